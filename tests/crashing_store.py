"""A real store that "dies" after its k-th write: the fault a kill -9 makes, which a test process cannot deliver to
itself. Import as `from crashing_store import Crash, CrashingStore` (tests/ is on sys.path: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class Crash(RuntimeError):
    """The process died here."""


class CrashingStore:
    """The real store; its `at`-th write (a call of one of `writes`) lands and then raises Crash (None: never).
    Counts the writes."""

    def __init__(self, store: Any, at: int | None, writes: Iterable[str]) -> None:
        self.store, self.at, self.writes, self._names = store, at, 0, frozenset(writes)

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.store, name)
        if name not in self._names:
            return real

        def write(*args: Any, **kwargs: Any) -> Any:
            result = real(*args, **kwargs)
            self.writes += 1
            if self.writes == self.at:
                raise Crash(f"killed after write {self.at} ({name})")
            return result

        return write
