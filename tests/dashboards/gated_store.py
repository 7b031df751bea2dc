"""A real store, wrapped: one read method can be held (a slow read made on purpose), and every call is counted by
thread, so a test sees which calls ran at the same time. Import as `from gated_store import GatedStore`
(tests/dashboards is on sys.path through the tests that import web_support)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

WRITES = frozenset({"upsert", "set_state", "delete_state"})


class GatedStore:
    """The real store (every attribute passes through), except:

    - `gated` (a method name): while `hold()` is on, each call of it waits, after `entered` counts it, until
      `release()` or `max_hold_s` (so a test without the fix fails on its timing instead of hanging);
    - every method call is tracked: `peak_reads` / `peak_writes` are the most read / write calls that ran at once,
      `write_threads` the names of the threads writes ran on."""

    def __init__(self, store: Any, gated: str, max_hold_s: float = 5.0) -> None:
        self._store, self._gated, self._max_hold_s = store, gated, max_hold_s
        self._held = False
        self._open = threading.Event()
        self._lock = threading.Lock()
        self.entered = threading.Semaphore(0)  # one release per held call that reached the gate
        self._reads = self._writes = 0
        self.peak_reads = self.peak_writes = 0
        self.write_threads: set[str] = set()

    def hold(self) -> None:
        self._open.clear()
        self._held = True

    def release(self) -> None:
        self._held = False
        self._open.set()

    def reset_counts(self) -> None:
        with self._lock:
            self.peak_reads = self.peak_writes = 0
            self.write_threads = set()

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._store, name)
        if not callable(real) or name.startswith("__"):
            return real
        write = name in WRITES

        def tracked(*args: Any, **kwargs: Any) -> Any:
            self._enter(write)
            try:
                if name == self._gated and self._held:
                    self.entered.release()
                    self._open.wait(self._max_hold_s)
                result = real(*args, **kwargs)
                # A generator (upsert, iter_mentions) does its work while it is consumed: consume it here.
                return iter(list(result)) if isinstance(result, Iterator) else result
            finally:
                self._leave(write)

        return tracked

    def _enter(self, write: bool) -> None:
        with self._lock:
            if write:
                self._writes += 1
                self.peak_writes = max(self.peak_writes, self._writes)
                self.write_threads.add(threading.current_thread().name)
            else:
                self._reads += 1
                self.peak_reads = max(self.peak_reads, self._reads)

    def _leave(self, write: bool) -> None:
        with self._lock:
            if write:
                self._writes -= 1
            else:
                self._reads -= 1
