"""Run store calls off the event loop, in three lanes, so one analyst's heavy request never freezes the others.

- `call`: fast reads (a search page, a health probe, the alert list) on `READ_THREADS` threads;
- `heavy`: whole-period reads (an overview, themes, replies, advocates, the FAQ's posts, an export's chunks) on
  `HEAVY_THREADS` threads of their own, so however many of them queue, a fast read never waits behind one (a
  search waited 46.5 s behind a 90-day overview when every call shared one thread: docs/dashboard.md
  "Concurrent requests");
- `write`: the analysts' writes (not-spam, sentiment corrections, verdicts) on one thread, one after another:
  each reads then writes the state it changes, and two at once could both act on what neither wrote.

The SQLite store gives each thread its own connection and runs in WAL mode, so readers do not block each other or
the writer; a page cursor's or an export's snapshot is a connection of its own, used by one call at a time (an
export's chunks hop from call to call, on any thread of the heavy lane). The Elasticsearch client is thread-safe.
An in-memory SQLite store is one connection every thread shares, so `for_store` gives it one thread for all lanes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_DONE = object()

READ_THREADS = 4  # fast reads at once: a page's few calls and a probe or two, each ~0.05 s on a 300k store
HEAVY_THREADS = 2  # heavy reads at once: more only share the same cores (and the GIL) and slow each one down


def shares_one_connection(store: object) -> bool:
    """Whether `store` reads every thread through one connection (the in-memory SQLite store): it then gets one
    thread, as a connection's transactions are not safe to mix between threads."""
    return getattr(store, "path", None) == ":memory:"


class StoreRunner:
    """The dashboard's store threads: fast reads, heavy reads and writes, each lane a pool of its own."""

    def __init__(self, reads: int = READ_THREADS, heavy: int = HEAVY_THREADS, *, one_thread: bool = False) -> None:
        if one_thread:
            only = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard-store")
            self._reads: Executor = only
            self._heavy: Executor = only
            self._writes: Executor = only
            return
        if reads < 1 or heavy < 1:
            raise ValueError(f"the store runner needs at least one thread per lane (reads={reads}, heavy={heavy})")
        self._reads = ThreadPoolExecutor(max_workers=reads, thread_name_prefix="dashboard-read")
        self._heavy = ThreadPoolExecutor(max_workers=heavy, thread_name_prefix="dashboard-heavy")
        self._writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard-write")

    @classmethod
    def for_store(cls, store: object) -> StoreRunner:
        """The runner for `store`: three lanes, or one thread for a store read through one shared connection."""
        return cls(one_thread=shares_one_connection(store))

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` on a fast-read thread: for reads that answer in well under a second."""
        return await _run(self._reads, fn, args, kwargs)

    async def heavy(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` on a heavy-read thread: for reads whose cost grows with the period or the store."""
        return await _run(self._heavy, fn, args, kwargs)

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` on the one write thread, after every write asked before it."""
        return await _run(self._writes, fn, args, kwargs)

    async def stream(self, make: Callable[[], Iterator[str]]) -> AsyncIterator[str]:
        """Create and drain an iterator on the heavy lane, one chunk per hop (no thread is held between chunks,
        while the client reads)."""
        iterator = await self.heavy(make)
        try:
            while True:
                chunk = await self.heavy(next, iterator, _DONE)
                if chunk is _DONE:
                    return
                yield chunk
        finally:
            close = getattr(iterator, "close", None)
            if close:
                await self.heavy(close)

    def shutdown(self) -> None:
        for pool in {id(p): p for p in (self._reads, self._heavy, self._writes)}.values():
            pool.shutdown(wait=False, cancel_futures=True)


async def _run(pool: Executor, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool, lambda: fn(*args, **kwargs))
