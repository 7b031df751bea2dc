"""What an RSS date's zone word means (`extractors/feed_dates.py`), from a real local HTTP server (and a feed file
through `groundswell collect`) through feedparser: an IANA name (`Europe/Rome`), a name with an offset (`KST+0900`,
`UT+9`) and an offset feedparser can not read (`+09`) are their zone's time; any other word in the zone's place is
never guessed (skipped, naming `time_zones`); a date without any zone is read in the `timezone` option's zone, UTC
without it, and the run says how many once per feed. Before, every one of these but the last was read as UTC
without a word (9 hours off for a Seoul feed), and an RFC 822 date without a zone was skipped while an ISO 8601
one was read as UTC silently.

And what is no zone (rssfix): a dotted word (`Nov.`, `GMT.`), `a.m.`/`p.m.` and an ordinal (`2nd`, `10h00`) are words
of the date, and a word no `time_zones` key can name is read by feedparser as before: these dates had been skipped as
in an "unknown zone" with advice that could not be followed, `undated: collected` no longer kept them, and a `GMT.`
entry held the feed's cursor 14 hours back. Only the entries a run reads count in its "without a time zone" warning
(it had repeated the feed's whole size every run, reading nothing)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import feedparser
import pytest
from click.testing import CliRunner
from extractor_support import Reply, run_collection

from core.mention import COLLECTED, DATED_BY
from extractors.base import Window
from extractors.cli import collect
from extractors.feed_dates import UnknownZone, entry_date
from extractors.rss import RssExtractor, RssOptions
from groundswell.config import ConfigError, parse_config
from indexing.sqlite import SqliteStore


def _item(guid: str, date: str) -> str:
    return f"<item><guid isPermaLink='false'>{guid}</guid><title>acme {guid}</title><pubDate>{date}</pubDate></item>"


def _feed(*items: str) -> str:
    return "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>" + "".join(items) + "</channel></rss>"


def _extractor(server, policy, *items: str, **options) -> RssExtractor:
    server.route("/seoul/feed.xml", Reply(200, _feed(*items), {"Content-Type": "application/rss+xml"}))
    extractor = RssExtractor({"urls": [server.base + "/seoul/feed.xml"], **options})
    extractor.retry = policy
    return extractor


def _read(server, policy, *items: str, **options) -> tuple[dict[str, datetime], list[str]]:
    extractor = _extractor(server, policy, *items, **options)
    batches = list(extractor.extract("b", "acme", None, Window()))
    dated = {m.text.removeprefix("acme "): m.created_at for b in batches for m in b.mentions}
    return dated, [r for b in batches for r in b.skipped]


def _utc(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_a_zone_named_by_iana_name_or_with_its_offset_is_that_zones_time(server, policy):
    dated, skipped = _read(
        server, policy,
        _item("rome", "Mon, 02 Nov 2026 10:00:00 Europe/Rome"),  # CET, +01:00
        _item("rome-summer", "Wed, 10 Jun 2026 10:00:00 Europe/Rome"),  # CEST, +02:00
        _item("ny", "Mon, 02 Nov 2026 10:00:00 America/New_York"),  # EST, the day after the clock change
        _item("seoul-iso", "2026-11-02T10:00:00 Asia/Seoul"),
        _item("kst-offset", "Mon, 02 Nov 2026 10:00:00 KST+0900"),
        _item("ut9", "Mon, 02 Nov 2026 10:00:00 UT+9"),
        _item("utc-colon", "Mon, 02 Nov 2026 10:00:00 UTC+09:00"),
        _item("short", "Mon, 02 Nov 2026 10:00:00 +09"),  # feedparser reads no date at all here
        _item("js", "Mon Nov 02 2026 10:00:00 GMT+0900 (Korean Standard Time)"),
        _item("numeric", "Mon, 02 Nov 2026 10:00:00 +0900"),  # as before
        _item("named", "Mon, 02 Nov 2026 10:00:00 KST"),  # as before
    )  # fmt: skip
    assert skipped == []
    assert dated == {
        "rome": _utc(2, 9), "rome-summer": _utc(10, 8, month=6), "ny": _utc(2, 15), "seoul-iso": _utc(2, 1),
        "kst-offset": _utc(2, 1), "ut9": _utc(2, 1), "utc-colon": _utc(2, 1), "short": _utc(2, 1), "js": _utc(2, 1),
        "numeric": _utc(2, 1), "named": _utc(2, 1),
    }  # fmt: skip


def test_any_other_word_in_the_zones_place_is_never_guessed_until_time_zones_says(server, policy):
    items = [_item("bogus", "Mon, 02 Nov 2026 10:00:00 Seoul/Gangnam"), _item("ok", "Mon, 02 Nov 2026 10:00:00 GMT")]
    dated, skipped = _read(server, policy, *items)
    assert list(dated) == ["ok"]
    (reason,) = skipped
    assert "Seoul/Gangnam: no IANA time zone; not guessed" in reason and "options.time_zones" in reason
    dated, skipped = _read(server, policy, *items, time_zones={"Seoul/Gangnam": "+09:00"})
    assert skipped == [] and dated["bogus"] == _utc(2, 1)


def test_a_date_without_a_zone_is_read_in_the_timezone_option_else_utc_said_once_per_feed(server, policy, caplog):
    items = [_item("iso", "2026-11-02T10:00:00"), _item("rfc", "Mon, 02 Nov 2026 10:00:00"),
             _item("day", "2026-11-02"), _item("zoned", "Mon, 02 Nov 2026 10:00:00 GMT")]  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="groundswell.extractors.rss"):
        dated, skipped = _read(server, policy, *items)
    # The RFC 822 one was skipped ("no readable date") while the ISO one was read as UTC without a word.
    assert skipped == []
    assert dated == {"iso": _utc(2, 10), "rfc": _utc(2, 10), "day": _utc(2, 0), "zoned": _utc(2, 10)}
    (said,) = [r.getMessage() for r in caplog.records if "without a time zone" in r.getMessage()]
    assert "3 entries dated without a time zone read as UTC" in said and "`timezone` option" in said

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="groundswell.extractors.rss"):
        dated, _ = _read(server, policy, *items, timezone="Asia/Seoul")
    assert dated == {"iso": _utc(2, 1), "rfc": _utc(2, 1), "day": _utc(1, 15), "zoned": _utc(2, 10)}
    assert not [r for r in caplog.records if "without a time zone" in r.getMessage()]


@pytest.mark.parametrize("zone", ["Europe", "Mars/Olympus", "+09:00"])
def test_a_timezone_option_that_is_no_iana_zone_is_a_config_error(zone):
    source = {"type": "rss", "options": {"urls": ["http://x/f"], "timezone": zone}}
    with pytest.raises(ConfigError, match=r"sources\.0 \(rss\)\.options\.timezone: .*not an IANA time zone"):
        parse_config({"brands": [{"name": "Acme", "query": "acme"}], "sources": [source]})


def test_collect_reads_a_seoul_feed_file_in_seoul_time(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text(_feed(_item("a7", "Mon, 02 Nov 2026 10:00:00 Europe/Rome"),
                          _item("a6", "2026-11-02T10:00:00")), encoding="utf-8")  # fmt: skip
    out = tmp_path / "out.jsonl"
    args = ["--source", "rss", "--query", "acme", "-o", f'urls=["{feed}"]', "-o", "timezone=Asia/Seoul"]
    result = CliRunner().invoke(collect, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    dated = {row["native_id"]: row["created_at"] for row in map(json.loads, out.read_text().splitlines())}
    assert sorted(dated.values()) == ["2026-11-02T01:00:00Z", "2026-11-02T09:00:00Z"]


def test_dotted_words_am_pm_and_ordinals_are_words_of_the_date_not_zones(server, policy):
    extractor = _extractor(
        server, policy,
        _item("day", "2 Nov. 2026"),
        _item("gmt-dot", "Mon, 02 Nov 2026 10:00:00 GMT."),  # the report's feed: read before, then skipped
        _item("gmt", "Mon, 02 Nov 2026 11:00:00 GMT"),
        _item("cest-dot", "Mon, 02 Nov 2026 11:30:00 CEST."),  # a zone named with a dot is still that zone
        _item("am-gmt", "Mon, 02 Nov 2026 10:00 a.m. GMT"),
        _item("hrs-dot", "Mon, 02 Nov 2026 10:00:00 Hrs."),  # read by feedparser before: no zone, read so still
    )  # fmt: skip
    batches = list(extractor.extract("b", "acme", None, Window()))
    dated = {m.text.removeprefix("acme "): m.created_at for b in batches for m in b.mentions}
    assert [r for b in batches for r in b.skipped] == []
    assert dated == {"day": _utc(2, 0), "gmt-dot": _utc(2, 10), "gmt": _utc(2, 11),
                     "cest-dot": datetime(2026, 11, 2, 9, 30, tzinfo=UTC), "am-gmt": _utc(2, 10),
                     "hrs-dot": _utc(2, 10)}  # fmt: skip
    # Nothing holds the cursor back (the `GMT.` entry held it 14 hours before 10:00).
    (cursor,) = [json.loads(b.cursor) for b in batches if b.cursor]
    assert cursor[server.base + "/seoul/feed.xml"]["at"] == "2026-11-02T11:00:00+00:00"


def test_dates_with_date_words_but_no_readable_date_are_kept_when_undated_collected(server, policy):
    extractor = _extractor(
        server, policy,
        _item("dotted", "Nov. 2, 2026, 10:00 a.m."),
        _item("ordinal", "Monday 2nd November 2026"),
        _item("french", "lundi 2 novembre 2026 10h00"),
        _item("dotted-day", "Monday, Nov. 2, 2026"),
        _item("pm", "Nov 2, 2026 10:00 PM"),  # not read as 10:00: RFC 822 has no PM
        undated="collected",
    )  # fmt: skip
    batches = list(extractor.extract("b", "acme", None, Window()))
    assert [r for b in batches for r in b.skipped] == []
    kept = {m.text.removeprefix("acme "): m.extra.get(DATED_BY) for b in batches for m in b.mentions}
    assert kept == dict.fromkeys(["dotted", "ordinal", "french", "dotted-day", "pm"], COLLECTED)


def _entry(date: str):
    return feedparser.parse(_feed(_item("x", date))).entries[0]


@pytest.mark.parametrize(
    "date",
    ["Mon, 02 Nov 2026 10:00:00 Hrs", "2026-11-02 10:00 Uhr", "Mon, 02 Nov 2026 10:00:00 IST",
     "Mon, 02 Nov 2026 10:00:00 Seoul/Gangnam", "Mon, 02 Nov 2026 10:00:00 CET/CEST", "Mon, 02 Nov 2026 10:00 ET",
     "Mon, 02 Nov 2026 10:00:00 IST."],
)  # fmt: skip
def test_every_unknown_zone_names_a_word_time_zones_can_name_and_then_reads(date):
    with pytest.raises(UnknownZone) as raised:
        entry_date(_entry(date))
    word = str(raised.value).split(" is in ", 1)[1].split(":", 1)[0]  # the word the advice names
    options = RssOptions(urls=["http://x/f"], time_zones={word: "+01:00"})  # the advice, followed
    zones = {name: 60 for name in options.time_zones}
    assert entry_date(_entry(date), zones).when == datetime(2026, 11, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "date",
    ["2 Nov 2026 10:00 p.m.", "Nov. 2, 2026, 10:00 a.m.", "Monday 2nd November 2026", "lundi 2 novembre 2026 10h00",
     "Mon, 2 Nov. 2026 10:00", "Mon, 02 Nov 2026 10:00:00 U.S.", "Mon, 02 Nov 2026 10:00:00 — GMT",
     "Mon, 02 Nov 2026 10:00:00 МСК", "01 Juni 2026 10:00", "Tues., 03 Nov 2026 10:00:00 GMT"],
)  # fmt: skip
def test_words_no_time_zones_key_can_name_are_never_an_unknown_zone(date):
    entry_date(_entry(date))  # no UnknownZone: read, or None (no readable date)


def test_the_zoneless_warning_counts_only_the_entries_this_run_reads(server, policy, tmp_path, caplog):
    store = SqliteStore(tmp_path / "g.db")
    items = [_item("a", "2026-11-02T10:00:00"), _item("b", "2026-11-02T11:00:00")]

    def run() -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="groundswell.extractors.rss"):
            run_collection(_extractor(server, policy, *items), store, "rss", "b", "acme")
        return [r.getMessage() for r in caplog.records if "without a time zone" in r.getMessage()]

    (said,) = run()
    assert "2 entries dated without a time zone" in said
    assert run() == []  # both read by the first run: nothing read, nothing to say (it said "2 entries" again)
    items.append(_item("c", "2026-11-02T12:00:00"))
    (said,) = run()
    assert "1 entries dated without a time zone" in said
