"""The one place that owns collection cursors, kept in the store beside the data.

Keeping cursors in the same store as the mentions means a restored backup or a
fresh store never carries a cursor that points past data it does not have.
"""

from __future__ import annotations

from typing import Protocol


class StateBackend(Protocol):
    def get_state(self, key: str) -> str | None: ...

    def set_state(self, key: str, value: str) -> None: ...


class CursorState:
    """Cursor per (source key, brand). Call `set` only after the covered data is stored."""

    def __init__(self, backend: StateBackend):
        self.backend = backend

    @staticmethod
    def key(source_key: str, brand: str) -> str:
        return f"cursor:{source_key}:{brand}"

    def get(self, source_key: str, brand: str) -> str | None:
        return self.backend.get_state(self.key(source_key, brand))

    def set(self, source_key: str, brand: str, cursor: str) -> None:
        self.backend.set_state(self.key(source_key, brand), cursor)
