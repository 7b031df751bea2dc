"""Wrappers around a real store for the faults a real store cannot be made to produce on cue (a full disk,
a lost connection, a replica that drops a write it acknowledged), and a recorder of what was written.
Every other call goes to the real store. Import as `from store_faults import ...` (tests/ is on sys.path
through tests/conftest.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from core.mention import Mention
from indexing.base import WriteResult


class WrappedStore:
    """The real store, unchanged; subclasses change `upsert`."""

    def __init__(self, store) -> None:
        self.store = store
        self.calls = 0

    def upsert(self, mentions: Iterable[Mention], **options) -> Iterator[WriteResult]:
        self.calls += 1
        return self.store.upsert(mentions, **options)

    def __getattr__(self, name: str):
        return getattr(self.store, name)


class FailingWrite(WrappedStore):
    """Upsert call number `failing_call` reports every mention unwritten ("disk I/O error") and writes none."""

    def __init__(self, store, failing_call: int) -> None:
        super().__init__(store)
        self.failing_call = failing_call

    def upsert(self, mentions: Iterable[Mention], **options) -> Iterator[WriteResult]:
        self.calls += 1
        if self.calls == self.failing_call:
            return iter([WriteResult(id=m.id, ok=False, error="disk I/O error") for m in mentions])
        return self.store.upsert(mentions, **options)


class CountingWrites(WrappedStore):
    """Records the native ids each upsert carries (no fault)."""

    def __init__(self, store) -> None:
        super().__init__(store)
        self.written: list[str] = []
        self.written_ids: list[str] = []

    def upsert(self, mentions: Iterable[Mention], **options) -> Iterator[WriteResult]:
        mentions = list(mentions)
        self.written += [m.native_id for m in mentions]
        self.written_ids += [m.id for m in mentions]
        return super().upsert(mentions, **options)


class CountingReads(WrappedStore):
    """Counts the whole Mentions its reads build (`iter_mentions`, `get`, `get_readable`): a check that a report
    streamed light rows (`iter_rows`) instead of reading a period whole. Everything else goes to the real store."""

    def __init__(self, store) -> None:
        super().__init__(store)
        self.built = 0

    def iter_mentions(self, filters=None):
        for m in self.store.iter_mentions(filters):
            self.built += 1
            yield m

    def get(self, ids):
        found = self.store.get(ids)
        self.built += len(found)
        return found

    def get_readable(self, ids):
        found = self.store.get_readable(ids)
        self.built += len(found)
        return found


class SilentlyDropping(WrappedStore):
    """Answers 'written' for every mention but keeps all except each batch's first: only reading back shows it."""

    def upsert(self, mentions: Iterable[Mention], **options) -> Iterator[WriteResult]:
        mentions = list(mentions)
        list(self.store.upsert(mentions[1:], **options))
        return iter([WriteResult(id=m.id, ok=True) for m in mentions])


class FailingStateDeletes(WrappedStore):
    """Deleting state fails ("disk I/O error"): a crash between a step's write and its clean-up."""

    def delete_state(self, keys) -> int:
        raise OSError("disk I/O error")


def refuse_state_writes(db: str | Path | sqlite3.Connection, like: str, message: str = "database is locked") -> None:
    """The real SQLite store refusing the state writes whose key is LIKE `like`, as a locked, full or read-only
    database would: a trigger standing in for one (on an open connection, or the file at `db`)."""
    sql = (f"CREATE TRIGGER refuse BEFORE INSERT ON state WHEN NEW.key LIKE '{like}' "
           f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
    if isinstance(db, sqlite3.Connection):
        db.execute(sql)
        return
    conn = sqlite3.connect(db)
    try:
        conn.execute(sql)
        conn.commit()
    finally:
        conn.close()
