"""Fixer last2, finding 4: every source records when a range became owed (`owed_at`, set in one place:
`extractors.state.Backlog.owed`), so health can say "behind for hours" (failing) for Hacker News, Mastodon and
Bluesky too, not only X; a cursor saved before `owed_at` was recorded is stamped by the next run that saves it
again, and until then health dates it by its top post (the rule before `owed_at`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from extractor_support import Reply, run_collection

from extractors.base import Window
from extractors.bluesky import BlueskyExtractor
from extractors.hackernews import HackerNewsExtractor
from extractors.mastodon import MastodonExtractor
from extractors.state import Backlog, RangeRead, decode_backlogs, owed_by, read_newest_first
from groundswell.health_rules import Row, with_backlog
from indexing.sqlite import SqliteStore

BY_DATE = "/api/v1/search_by_date"
T0 = 1_748_772_000  # 2025-06-01T10:00Z
ROW = Row("source", "hackernews/Acme", "ok", "fine")


def _hit(minute: int) -> dict:
    return {"objectID": str(minute), "title": f"Acme story {minute}", "created_at_i": T0 + minute * 60,
            "author": "pg", "_tags": ["story"]}


def _health(cursor: str, time_of, now: datetime) -> str:
    return with_backlog(ROW, "hackernews", "Acme", owed_by(cursor, time_of), now).status


def test_a_hacker_news_backlog_records_when_it_became_owed_and_fails_health_after_hours(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    server.route(BY_DATE, Reply(200, {"hits": [_hit(m) for m in range(29, 19, -1)], "nbPages": 3, "page": 0}))
    ex = HackerNewsExtractor({"base_url": server.base, "hits_per_page": 10, "max_pages": 1})
    ex.retry = policy
    before = datetime.now(UTC).replace(microsecond=0)
    window = Window(since=datetime.fromtimestamp(T0, tz=UTC), until=datetime.fromtimestamp(T0 + 3600, tz=UTC))
    assert run_collection(ex, store, "hackernews", "acme", "acme", window)[0] == 10
    cursor = store.get_state("cursor:hackernews:acme")
    (saved,) = decode_backlogs(cursor)
    assert saved.owed_at is not None and before <= datetime.fromisoformat(saved.owed_at) <= datetime.now(UTC)
    # Just owed: a warning, although its posts are a year and a half old (a first fill has waited no time).
    assert _health(cursor, HackerNewsExtractor.owed_time, datetime.now(UTC)) == "warning"
    # Still owed 7 hours later: failing.
    assert _health(cursor, HackerNewsExtractor.owed_time, datetime.now(UTC) + timedelta(hours=7)) == "failing"


def test_the_own_account_ranges_of_mastodon_and_bluesky_record_when_they_became_owed():
    now = datetime.now(UTC) - timedelta(seconds=1)
    for owe in (MastodonExtractor._owe, BlueskyExtractor._owe):
        fresh = owe("Acme", "ann", "100", "500", "900")
        assert datetime.fromisoformat(fresh.owed_at) >= now.replace(microsecond=0)
        # A range read again and still owed keeps when it first was.
        assert owe("Acme", "ann", "100", "300", "900", "2026-01-01T00:00:00+00:00").owed_at == (
            "2026-01-01T00:00:00+00:00")
    assert Backlog.owed(None, "500", "900", int).owed_at is not None  # a tag's range and every other source's


def test_an_old_cursor_without_owed_at_is_dated_by_its_top_post_until_a_run_saves_it_again():
    now = datetime.now(UTC).replace(microsecond=0)

    def seconds(ago: timedelta) -> str:
        return str(int((now - ago).timestamp()))

    # What hackernews saved before owed_at was recorded, its source stuck for 3 days since: failing, as before.
    stuck = Backlog(seconds(timedelta(days=3, hours=2)), seconds(timedelta(days=3)), seconds(timedelta(days=3)))
    assert '"owed_at"' not in stuck.encode()
    assert _health(stuck.encode(), HackerNewsExtractor.owed_time, now) == "failing"
    # One stopped an hour ago: a warning.
    recent = Backlog(seconds(timedelta(hours=2)), seconds(timedelta(hours=1)), seconds(timedelta(hours=1)))
    assert _health(recent.encode(), HackerNewsExtractor.owed_time, now) == "warning"

    # A run that saves the old range again (read in part, not reached, or moved on) stamps it: its wait is
    # counted from then on, whatever its posts' age.
    def read(after, before, cap):
        yield "page"
        return RangeRead(1, untouched=before is not None)  # the new posts read, the owed range not reached

    runs = read_newest_first(decode_backlogs(stuck.encode()), stuck.then, 2, read, int)
    try:
        while True:
            next(runs)
    except StopIteration as stop:
        owed, _ = stop.value
    (kept,) = owed
    assert kept == stuck and kept.owed_at is not None
    assert datetime.fromisoformat(kept.owed_at) >= now
    assert _health(kept.moved(stuck.then).encode(), HackerNewsExtractor.owed_time, now) == "warning"
    assert stuck.moved("1").owed_at is not None  # moved stamps as well
