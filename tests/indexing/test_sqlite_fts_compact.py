"""The FTS index an upgrade leaves is in one piece (FTS_VERSION 7).

An FTS5 query reads one doclist per trigram and per index segment, delete entries included. The version 6
upgrade emptied the index with DELETE (a delete entry for every trigram of every row) and refilled it in one
bulk insert (several segments), and left it so: at 1M mentions, 11 segments at 2.2x the size, and the
dashboard's boolean-query count twice as slow (bench/dashboard_latency.py). These tests look at the index's shape, not
at timings: after the first open of an older store it is one segment, and every search finds what it found."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.mention import Mention
from core.query.text import is_symbol, search_tokens
from indexing.base import Filters
from indexing.sqlite import FTS_VERSION, SqliteStore

T0 = datetime(2026, 3, 1, tzinfo=UTC)
WORDS = "battery overheating charging screen refund delivery camera speaker".split()
N = 2000  # long posts: enough for one bulk insert to fill FTS5's 1 MB buffer more than once (several segments)


def _text(i: int) -> str:
    numbers = " ".join(str(i * 7919 + k * 104729) for k in range(25))  # many distinct trigrams per post
    return f"Lumora {WORDS[i % 8]} {WORDS[i // 8 % 8]} {numbers} " + ("👎 $LMRA" if i % 4 == 0 else "fine")


MENTIONS = [Mention(source="x", native_id=str(i), text=_text(i), created_at=T0 + timedelta(minutes=i), brand="Lumora")
            for i in range(N)]
QUERIES = ["battery AND (overheating OR charging)", "battery", '"screen refund"', "👎", "$LMRA", "lumora", "cam*"]


def _segments(conn: sqlite3.Connection) -> int:
    """Segments of the FTS index: each has at least one row (its first leaf page) in the %_idx table."""
    return conn.execute("SELECT count(DISTINCT segid) FROM mentions_fts_idx").fetchone()[0]


def _pieces(path: Path) -> SqliteStore:
    """A current store of MENTIONS, written in chunks: each chunk's transaction adds a segment to its index."""
    store = SqliteStore(path)
    assert all(r.ok for r in store.upsert(MENTIONS, chunk_size=500))
    return store


def _counts(store: SqliteStore) -> dict[str, int]:
    return {q: store.count(Filters(text=q, brand="Lumora")) for q in QUERIES}


def _one_piece(store: SqliteStore) -> None:
    conn = store._conn()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == FTS_VERSION
    conn.execute("INSERT INTO mentions_fts(mentions_fts) VALUES ('integrity-check')")  # raises when damaged
    assert _segments(conn) == 1


def test_an_index_at_version_6_in_pieces_is_left_in_one_segment_on_open_finding_the_same_rows(tmp_path):
    """What version 6 left (its index in several segments): the next open rebuilds it (document format 4) and leaves it
    in one segment, changing no result."""
    path = tmp_path / "v6.db"
    store = _pieces(path)
    conn = store._conn()
    assert _segments(conn) > 1  # else there is nothing to merge, and the test shows nothing
    before = _counts(store)
    conn.execute("PRAGMA user_version = 6")
    store.close()

    reopened = SqliteStore(path)
    try:
        _one_piece(reopened)
        assert _counts(reopened) == before
        assert min(before.values()) > 0 and before["👎"] == N // 4  # every query finds something
    finally:
        reopened.close()


def test_the_rebuild_from_an_older_column_leaves_one_segment_without_delete_entries(tmp_path):
    """From version 5 (document format 2: no emoji, no cashtags) the index is rebuilt, then left in one piece:
    no segment of the old index, none of delete entries for it, not the several the bulk insert writes."""
    path = tmp_path / "v5.db"
    current = _counts(_pieces(tmp_path / "current.db"))
    store = _pieces(path)
    conn = store._conn()
    conn.execute("DELETE FROM mentions_fts")  # the column version 5 wrote (emoji dropped, no $cashtag units)
    for rowid, text in conn.execute("SELECT rowid, text FROM mentions").fetchall():
        old = " " + " ".join(t for t in search_tokens(text) if not is_symbol(t)) + " "
        conn.execute("INSERT INTO mentions_fts(rowid, doc) VALUES (?, ?)", (rowid, old))
    conn.execute("PRAGMA user_version = 5")
    assert store.count(Filters(text="👎")) == 0  # the old column cannot find emoji
    store.close()

    reopened = SqliteStore(path)
    try:
        _one_piece(reopened)
        assert _counts(reopened) == current
    finally:
        reopened.close()

