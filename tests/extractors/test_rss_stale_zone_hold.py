"""An RSS entry dated in a zone name not guessed holds its feed's cursor only within `rss.HOLD_HORIZON` of where the
cursor would be (`extractors/rss.py`, `_read_up_to`): one IST entry a year old, still listed, used to hold it for
good, and every later run re-read and re-wrote all 20 entries after it. It is skipped with its reason and holds
nothing; a recent one still holds (`test_rss_cursor_reads.py`).

Runs as the ingest DAG runs them (`Window(…, follows_cursor=True)`), the feed on a real local HTTP server, a real
SQLite store (`run_collection`: batches stored, then the cursor saved)."""

from __future__ import annotations

from datetime import UTC, datetime

from extractor_support import Reply, run_collection

from extractors.base import Window
from extractors.rss import RssExtractor
from indexing.sqlite import SqliteStore


def _at(hour: int) -> datetime:
    return datetime(2025, 6, 2, hour, tzinfo=UTC)


def _item(guid: str, date: str) -> str:
    return f"<item><guid>{guid}</guid><title>acme {guid}</title><pubDate>{date}</pubDate></item>"


def _run(server, policy, store, items: list[str], since: datetime, until: datetime):
    """One scheduled run over the feed `items`: the mentions it yielded (title, new to the store) and its skips."""
    body = "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>" + "".join(items) + "</channel></rss>"
    server.route("/feed.xml", Reply(200, body, {"Content-Type": "application/rss+xml"}))
    extractor = RssExtractor({"urls": [server.base + "/feed.xml"]})
    extractor.retry = policy
    stored = {m.id for m in store.iter_mentions()}
    _, batches = run_collection(extractor, store, "rss", "b", "acme", Window(since, until, follows_cursor=True))
    return [(m.text, m.id not in stored) for b in batches for m in b.mentions], [r for b in batches for r in b.skipped]


def test_an_old_entry_in_a_zone_not_guessed_does_not_hold_the_cursor_for_good(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    feed = [_item("old", "Sun, 02 Jun 2024 10:00:00 IST")] + [
        _item(f"n{i}", f"Mon, 02 Jun 2025 {i:02d}:10:00 GMT") for i in range(20)
    ]
    got, skipped = _run(server, policy, store, feed, _at(0), _at(21))
    assert sorted(got) == sorted((f"acme n{i}", True) for i in range(20))
    assert len(skipped) == 1 and "IST" in skipped[0], skipped  # the old entry: skipped with its reason
    for since in (21, 22):
        got, skipped = _run(server, policy, store, feed, _at(since), _at(since + 1))
        # Nothing re-read: the cursor is past the 20 (before, held a year back, all 20 came again every run).
        assert got == []
        assert len(skipped) == 1 and "IST" in skipped[0], skipped
    assert store.count() == 20
