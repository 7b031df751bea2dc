"""A benchmark's own throwaway copy of the shared n-mention SQLite store (`bench/store_upgrade.py`'s `base_sqlite`,
built once when absent), so what the benchmark writes never reaches the base other benchmarks read."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.store_upgrade import base_sqlite
from indexing.sqlite import SqliteStore


@contextmanager
def copied_base(n: int, prefix: str) -> Iterator[SqliteStore]:
    """A store on a copy of the n-mention benchmark store in a temporary folder (`prefix`), for the `with` block;
    closed, and the copy gone, after it."""
    base = base_sqlite(n, None)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        path = Path(tmp) / "groundswell.db"
        shutil.copyfile(base, path)
        store = SqliteStore(path)
        try:
            yield store
        finally:
            store.close()
