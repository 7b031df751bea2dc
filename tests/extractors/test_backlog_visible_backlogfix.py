"""Surge finding 2: a source that falls behind says so. A pass stopped with pages left (X's max_pages) leaves a
backlog in its cursor: `groundswell ingest` lists it under `backlog` (the owed ranges, since when posts may be
missing) and `groundswell health` warns on that source × brand, failing once the backlog has waited over
BACKLOG_FAILING. Real CLI (CliRunner), a real X client (tweepy) against a local server, a real SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from cli_config import write_config
from click.testing import CliRunner
from extractor_support import Reply

from extractors.x import snowflake_at
from groundswell.cli import cli

RECENT = "/2/tweets/search/recent"


def _page(times: list[datetime], token: str | None) -> dict:
    tweets = [{"id": str(int(snowflake_at(t)) + 7), "text": f"acme tweet {i}", "created_at": t.strftime(
        "%Y-%m-%dT%H:%M:%S.000Z")} for i, t in enumerate(sorted(times, reverse=True))]
    return {"data": tweets, "meta": {"result_count": len(tweets), **({"next_token": token} if token else {})}}


def _ingest_then_health(server, tmp_path, hours_ago: float) -> tuple[dict, dict]:
    top = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    server.route(RECENT, Reply(200, _page([top - timedelta(minutes=m) for m in range(10)], token="p2")))
    config = write_config(tmp_path, sources=[{"type": "x", "options": {
        "api_base_url": server.base, "max_results": 10, "max_pages": 1}}])
    env = {"X_BEARER_TOKEN": "t"}
    ingest = CliRunner().invoke(cli, ["ingest", "-c", str(config), "--no-progress"], env=env)
    assert ingest.exit_code == 0, ingest.output
    health = CliRunner().invoke(cli, ["health", "-c", str(config), "--json"], env=env)
    row = next(r for r in json.loads(health.stdout)["rows"] if r["kind"] == "source" and r["name"] == "x/Acme")
    return json.loads(ingest.stdout), row


def test_a_pass_stopped_with_pages_left_is_in_the_collect_report_and_health_warns(server, tmp_path):
    report, row = _ingest_then_health(server, tmp_path, hours_ago=1)
    owed = report["backlog"]["x/Acme"]
    assert owed["ranges"] == 1
    assert owed["waiting_since"] is not None  # the oldest tweet given: below it, posts are owed
    assert row["status"] == "warning", row
    assert "behind: counts here are missing posts" in row["detail"] and "max_pages" in row["action"]
    assert row["record"]["backlog"] == owed


def test_a_first_fill_of_old_posts_has_waited_no_time_and_only_warns(server, tmp_path):
    """Diff review dsurge, finding 2: the wait is how long the range has been owed, not how old its posts are: a
    first ingest whose newest tweet is 8 h old owes a range since now, a warning, not a failure."""
    report, row = _ingest_then_health(server, tmp_path, hours_ago=8)
    owed = report["backlog"]["x/Acme"]
    assert owed["ranges"] == 1
    assert datetime.now(UTC) - datetime.fromisoformat(owed["waiting_since"]) < timedelta(minutes=5)
    assert row["status"] == "warning", row


def test_a_range_owed_for_hours_fails_health_and_keeps_its_owed_time_as_it_shrinks():
    from extractors.state import Backlog, decode_backlogs, encode_backlogs, owed_by, read_newest_first
    from groundswell.health_rules import Row, with_backlog

    now = datetime.now(UTC).replace(microsecond=0)
    since = (now - timedelta(hours=7)).isoformat()
    cursor = encode_backlogs([Backlog("100", "500", "900", since), Backlog("10", "50", "900", since)])
    assert [b.owed_at for b in decode_backlogs(cursor)] == [since, since]

    def read(after, before, cap):  # every read stops with pages left, 40 below its top
        yield "page"
        from extractors.state import RangeRead
        return RangeRead(1, below=str(int(before or 1000) - 40))

    runs = read_newest_first(decode_backlogs(cursor), "900", 4, read, int)
    try:
        while True:
            next(runs)
    except StopIteration as stop:
        owed, _ = stop.value
    kept = {b.before: b.owed_at for b in owed}
    assert kept["460"] == since and kept["10"] == since  # shrunk, still owed since it first was
    # The new range owed above them is owed from this run on (every source stamps it, `Backlog.owed`).
    assert now - timedelta(minutes=5) < datetime.fromisoformat(kept["960"]) <= datetime.now(UTC)
    row = Row("source", "x/Acme", "ok", "fine")
    assert with_backlog(row, "x", "Acme", owed_by(cursor, lambda v: None), now).status == "failing"
    # A cursor saved before owed_at was recorded, whose posts can not be dated: a warning (dated: see
    # tests/extractors/test_owed_at_every_source_last2.py).
    old = '{"backlog": {"after": "100", "before": "500", "then": "900"}}'
    assert with_backlog(row, "x", "Acme", owed_by(old, lambda v: None), now).status == "warning"


def test_a_pass_that_read_everything_owes_nothing(server, tmp_path):
    top = datetime.now(UTC) - timedelta(hours=1)
    server.route(RECENT, Reply(200, _page([top - timedelta(minutes=m) for m in range(5)], token=None)))
    config = write_config(tmp_path, sources=[{"type": "x", "options": {"api_base_url": server.base, "max_pages": 1}}])
    ingest = CliRunner().invoke(cli, ["ingest", "-c", str(config), "--no-progress"], env={"X_BEARER_TOKEN": "t"})
    assert ingest.exit_code == 0, ingest.output
    assert json.loads(ingest.stdout)["backlog"] == {}


def test_the_backlogs_of_every_source_are_read_from_their_cursors():
    from extractors.hackernews import HackerNewsExtractor
    from extractors.mastodon import MastodonExtractor
    from extractors.state import Backlog, owed_backlogs, owed_by

    hn = Backlog("1700000000", "1700003600", "1700007200").encode()
    assert owed_by(hn, HackerNewsExtractor.owed_time).since == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    # Mastodon: one per tag beside plain tag cursors, one per own account under "#owed".
    status = str(int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000) << 16)
    tags = json.dumps({"acme": {"backlog": {"after": status, "before": str(int(status) + 99), "then": None}},
                       "other": "123", "#owed": {"@a": {"after": None, "before": "5", "then": None}}})
    assert len(owed_backlogs(tags)) == 2
    assert owed_by(tags, MastodonExtractor.owed_time).since == datetime(2026, 1, 1, tzinfo=UTC)
    assert owed_backlogs("1234") == [] and owed_by(None, MastodonExtractor.owed_time) is None
