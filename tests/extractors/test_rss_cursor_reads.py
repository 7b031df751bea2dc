"""What an RSS feed's cursor lets the next scheduled run read (`extractors/rss.py`): an entry read at the cursor's
own time is not read again, a different entry of that time still is, and an entry skipped for a zone name that is
not guessed (IST) holds the cursor before it, so it is collected once `time_zones` says what the feed means.

Runs as the ingest DAG runs them (`Window(…, follows_cursor=True)`, each window where the last ended), the feed on a
real local HTTP server, a real SQLite store (`run_collection`: batches stored, then the cursor saved)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from extractor_support import Reply, run_collection

from extractors.base import Window
from extractors.rss import RssExtractor
from indexing.sqlite import SqliteStore


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 6, 2, hour, minute, tzinfo=UTC)


def _item(guid: str, date: str) -> str:
    return f"<item><guid>{guid}</guid><title>acme {guid}</title><pubDate>{date}</pubDate></item>"


def _run(server, policy, store, items: list[str], since: datetime, until: datetime, **options) -> list[tuple]:
    """One scheduled run over the feed `items`: (title, whether it was new to the store) of each mention it yielded."""
    body = "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>" + "".join(items) + "</channel></rss>"
    server.route("/feed.xml", Reply(200, body, {"Content-Type": "application/rss+xml"}))
    extractor = RssExtractor({"urls": [server.base + "/feed.xml"], **options})
    extractor.retry = policy
    stored = {m.id for m in store.iter_mentions()}
    _, batches = run_collection(extractor, store, "rss", "b", "acme", Window(since, until, follows_cursor=True))
    return [(m.text, m.id not in stored) for b in batches for m in b.mentions]


def test_the_entry_read_at_the_cursors_time_is_not_read_again_and_another_of_that_time_is(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    a = _item("A", "Mon, 02 Jun 2025 10:00:00 GMT")
    b = _item("B", "Mon, 02 Jun 2025 10:00:00 GMT")  # the same second as A, in the feed only from run 2 on
    assert _run(server, policy, store, [a], _at(9), _at(11)) == [("acme A", True)]
    # Each later run reaches back to the cursor (10:00, A's time): A was read there and is not yielded (or written)
    # again; B, of the same time, is new. Before, every run yielded A again.
    assert _run(server, policy, store, [b, a], _at(11), _at(12)) == [("acme B", True)]
    assert _run(server, policy, store, [b, a], _at(12), _at(13)) == []
    assert sorted(m.text for m in store.iter_mentions()) == ["acme A", "acme B"]


def test_an_entry_in_a_zone_not_guessed_holds_the_cursor_until_time_zones_says(server, policy, tmp_path, caplog):
    store = SqliteStore(tmp_path / "g.db")
    feed = [
        _item("mumbai", "Mon, 02 Jun 2025 10:00:00 IST"),  # 04:30Z in India, 09:00Z in Ireland
        _item("delhi", "Mon, 02 Jun 2025 10:30:00 IST"),
        _item("later", "Mon, 02 Jun 2025 11:00:00 GMT"),
    ]
    with caplog.at_level(logging.WARNING, logger="groundswell.extractors.rss"):
        assert _run(server, policy, store, feed, _at(0), _at(12)) == [("acme later", True)]
    # What to set, said once for the feed, not once per entry (each entry's reason is in the run's skipped).
    (advice,) = [r.getMessage() for r in caplog.records if "time_zones" in r.getMessage()]
    assert "IST (2)" in advice
    # The next window starts at 12:00Z. With IST said, both entries are collected (04:30Z and 05:00Z, far before
    # the window: the run reaches back to the cursor, held before them); the 11:00Z entry is read again, not new.
    # Before, the cursor had moved to 11:00Z and both were skipped as older than it: lost for good.
    got = _run(server, policy, store, feed, _at(12), _at(13), time_zones={"IST": "+05:30"})
    assert sorted(got) == [("acme delhi", True), ("acme later", False), ("acme mumbai", True)]
    dated = {m.text: m.created_at for m in store.iter_mentions()}
    assert dated == {"acme mumbai": _at(4, 30), "acme delhi": _at(5), "acme later": _at(11)}
    # Nothing is held any more: the cursor moved past all three, and the next run reads nothing.
    assert _run(server, policy, store, feed, _at(13), _at(14), time_zones={"IST": "+05:30"}) == []
