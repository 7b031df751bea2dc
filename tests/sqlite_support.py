"""A real SQLite store holding a test's posts, for fixtures. Import as `from sqlite_support import filled_sqlite`
(tests/ is on sys.path through tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from core.mention import Mention
from indexing.sqlite import SqliteStore


def filled_sqlite(path: Path, mentions: Iterable[Mention]) -> Iterator[SqliteStore]:
    """A SQLite store at `path` with `mentions` stored (every write checked), closed afterwards. Use with
    `yield from` in a fixture."""
    store = SqliteStore(path)
    assert all(r.ok for r in store.upsert(list(mentions)))
    yield store
    store.close()
