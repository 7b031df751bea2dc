"""Run store calls off the event loop, on one dedicated thread.

The embedded SQLite store keeps one connection, and SQLite connections belong
to the thread that made them; a single worker thread keeps every call (and
every chunk of a streamed export) on the same thread while the event loop
stays free. One analyst's dashboard does not need parallel queries.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_DONE = object()


class StoreRunner:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard-store")

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: fn(*args, **kwargs))

    async def stream(self, make: Callable[[], Iterator[str]]) -> AsyncIterator[str]:
        """Create and drain an iterator entirely on the store thread, one chunk per hop."""
        iterator = await self.call(make)
        try:
            while True:
                chunk = await self.call(next, iterator, _DONE)
                if chunk is _DONE:
                    return
                yield chunk
        finally:
            close = getattr(iterator, "close", None)
            if close:
                await self.call(close)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
