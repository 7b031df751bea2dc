"""A scheduled run (the ingest DAG's 15-minute data intervals, `Window.follows_cursor`) keeps an item dated after
its window's end when that date is also after the run's clock (within `CLOCK_SKEW`: a fast clock, a feed's wrong
zone), as a run without an end keeps it, and does not move the cursor past it (`extractors/base.py`, `Selector`).

Before, it was dropped as "after the window's end: the next window collects it". But the window that covers a date
9 hours ahead runs 9 hours later, and a feed lists only its newest entries: by then the entry had left the feed and
was never stored. An explicit range (`ingest --since/--until`, the backfill DAG) still keeps exactly its range.

Each run is `groundswell.pipeline.collect_one` (what the ingest DAG's collect task runs), the feed on a real local
HTTP server, a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from extractor_support import Reply

from extractors.base import Window
from groundswell.config import parse_config
from groundswell.pipeline import collect_one
from indexing.sqlite import SqliteStore

NOW = datetime.now(UTC).replace(microsecond=0)
END = NOW.replace(minute=NOW.minute // 15 * 15, second=0)  # the last data interval's end, before the clock
MINUTE = timedelta(minutes=1)
AHEAD = NOW + timedelta(hours=9)  # a Seoul server writing KST wall time as GMT


def _ago(minutes: int) -> datetime:
    """`minutes` before the last data interval's end."""
    return END - minutes * MINUTE


def _feed(*entries: tuple[str, datetime]) -> Reply:
    items = "".join(f"<item><guid>{g}</guid><title>acme {g}</title><pubDate>{t:%a, %d %b %Y %H:%M:%S} GMT</pubDate>"
                    "</item>" for g, t in entries)  # fmt: skip
    return Reply(200, f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>{items}</channel></rss>",
                 {"Content-Type": "application/rss+xml"})  # fmt: skip


def _config(server, tmp_path):
    return parse_config({"brands": [{"name": "acme", "query": "acme"}],
                         "sources": [{"type": "rss", "options": {"urls": [server.base + "/news.xml"]}}],
                         "store": {"path": str(tmp_path / "g.db")}})  # fmt: skip


def test_a_scheduled_run_keeps_an_entry_dated_past_its_clock_before_the_feed_drops_it(server, tmp_path):
    config, store = _config(server, tmp_path), SqliteStore(tmp_path / "g.db")
    # (data interval, the feed as that run finds it: its newest three entries)
    runs = [
        ((_ago(45), _ago(30)), [("ahead", AHEAD), ("a1", _ago(35)), ("a0", _ago(40))]),
        ((_ago(30), _ago(15)), [("b1", _ago(20)), ("ahead", AHEAD), ("a1", _ago(35))]),
        ((_ago(15), END), [("c2", _ago(5)), ("c1", _ago(10)), ("b1", _ago(20))]),
    ]
    created = []
    for (since, until), entries in runs:
        server.route("/news.xml", _feed(*entries))
        before = {m.id for m in store.iter_mentions()}
        report = collect_one(config, store, config.sources[0], "acme", Window(since, until))
        assert report.errors == {}
        created.append(sorted(m.text.removeprefix("acme ") for m in store.iter_mentions() if m.id not in before))
    # Stored by the first run that saw it (the second reads it again: overwritten, not new); every entry once.
    assert created == [["a0", "a1", "ahead"], ["b1"], ["c1", "c2"]]
    dated = {m.text.removeprefix("acme "): m.created_at for m in store.iter_mentions()}
    assert dated["ahead"] == AHEAD
    # It never moved the feed's cursor: the newest entry read for good is c2.
    assert _ago(5).isoformat() in store.get_state("cursor:rss:acme")


def test_an_explicit_range_keeps_only_its_range(server, tmp_path):
    config, store = _config(server, tmp_path), SqliteStore(tmp_path / "g.db")
    server.route("/news.xml", _feed(("ahead", AHEAD), ("a1", _ago(35)), ("late", _ago(5))))
    # `ingest --since/--until` (and the backfill DAG): no cursor followed, the range read as asked.
    report = collect_one(config, store, config.sources[0], "acme", Window(_ago(45), _ago(30)),
                         use_cursor=False)  # fmt: skip
    assert report.errors == {}
    assert [m.text for m in store.iter_mentions()] == ["acme a1"]
