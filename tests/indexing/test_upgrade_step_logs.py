"""Each SQLite upgrade step says what it does, on how many mentions and about how long, before its long part:
the subsecond-times step and the brand-column step of a store from before 2 Dec 2026 too (real SQLite)."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime

from core.mention import Mention
from indexing.base import Filters
from indexing.sqlite import SqliteStore


def test_a_27_nov_store_logs_its_silent_steps(tmp_path, caplog) -> None:
    path = tmp_path / "old.db"
    store = SqliteStore(path)
    at = datetime(2026, 11, 20, 12, 0, 0, 250000, tzinfo=UTC)
    assert all(r.ok for r in store.upsert([Mention(source="x", native_id=str(i), text=f"acme {i}", created_at=at,
                                                   brand="Acme") for i in range(3)]))
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)  # back to the 27 Nov layout, as that version wrote it
    conn.execute("UPDATE mentions SET brand = 'Acme', created_at = CAST(created_at AS INTEGER)")
    conn.execute("DELETE FROM mention_brands")
    conn.execute("PRAGMA user_version = 0")
    conn.close()
    with caplog.at_level(logging.INFO, logger="indexing"):
        SqliteStore(path).close()
    lines = [r.getMessage() for r in caplog.records]
    times = next(i for i, m in enumerate(lines) if m.startswith("giving mention times their milliseconds back"))
    assert "3 mentions" in lines[times] and "about 0 s" in lines[times]
    assert lines[times + 1].startswith("3 of 3 mention times given their milliseconds in")
    brands = next(i for i, m in enumerate(lines) if m.startswith("moving the brand of 3 mentions"))
    assert "about 0 s" in lines[brands] and lines[brands + 1].startswith("brand of 3 mentions moved in")
    store = SqliteStore(path)
    try:
        assert store.get(["x:0"])[0].created_at == at and store.facet(Filters(), "brand") == {"Acme": 3}
    finally:
        store.close()
