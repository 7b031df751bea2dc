"""X through tweepy: recorded traffic replayed through tweepy, v2 bodies with expansions from a local server."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from extractor_support import DictState, Reply, run_collection

from extractors.base import SourceError, Window
from extractors.state import Backlog
from extractors.x import XExtractor, snowflake_at, tweet_time
from indexing.sqlite import SqliteStore

SEARCH = "/2/tweets/search/recent"
ARCHIVE = "/2/tweets/search/all"
ENV = {"X_BEARER_TOKEN": "test-token"}


def body(recordings, name):
    return json.loads((recordings / "twitter" / "pytwitter_bodies" / name).read_text())


def make(server, policy, **options):
    ex = XExtractor({"api_base_url": server.base, **options}, env=ENV)
    ex.retry = policy
    return ex


# -- replay of tweepy's own recorded traffic ---------------------------------------------------
# tweepy's cassettes asked for default fields only; we ask for expansions and fields. The matcher
# below ignores exactly those parameters (the recorded responses simply lack the extra fields).
_FIELD_PARAMS = {"expansions", "tweet.fields", "user.fields", "max_results"}


def _query_without_fields(r1, r2):
    a = {k: v for k, v in parse_qsl(urlsplit(r1.uri).query) if k not in _FIELD_PARAMS}
    b = {k: v for k, v in parse_qsl(urlsplit(r2.uri).query) if k not in _FIELD_PARAMS}
    assert a == b, f"{a} != {b}"


def _tape(recordings):
    import vcr

    tape = vcr.VCR(
        cassette_library_dir=str(recordings / "twitter"),
        record_mode="none",
        decode_compressed_response=True,  # the stored bodies are gzip; urllib3 2 needs this
        match_on=["method", "scheme", "host", "path", "query_without_fields"],
    )
    tape.register_matcher("query_without_fields", _query_without_fields)
    return tape


@pytest.mark.network_fixture
@pytest.mark.parametrize(
    ("cassette", "endpoint"),
    [("test_client_search_recent_tweets.yaml", "recent"), ("test_client_search_all_tweets.yaml", "all")],
)
def test_replay_tweepy_search(recordings, cassette, endpoint, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    # The same collection twice (as after a crash before the cursor was saved): no duplicates.
    for _run in (1, 2):
        ex = XExtractor({"endpoint": endpoint, "max_pages": 1}, env=ENV)
        with _tape(recordings).use_cassette(cassette):
            batches = list(ex.extract("tweepy", "Tweepy", None, Window()))
        mentions = [m for b in batches for m in b.mentions]
        assert len(mentions) == 10
        assert all(r.ok for r in store.upsert(mentions))
        assert all("tweepy" in m.text.lower() for m in mentions)
        # default fields only: created_at comes from the snowflake id
        first = mentions[0]
        assert first.created_at == tweet_time(first.native_id)
        assert first.created_at.year == 2022
        assert first.url == f"https://x.com/i/web/status/{first.native_id}"
        # One page of more (max_pages=1): the cursor owes the older tweets (extractors.state.Backlog).
        owed = Backlog.decode(batches[-1].cursor)
        assert owed.then == max((m.native_id for m in mentions), key=int)
        assert owed.before == min((m.native_id for m in mentions), key=int)
    assert store.count() == 10  # the second run updated, never duplicated


# -- v2 bodies with expansions served from a local server --------------------------------------
def test_pages_expansions_and_an_empty_page_mid_pagination(server, policy, recordings):
    nyc = body(recordings, "apis/searches/search_tweets_for_nyc.json")
    with_includes = body(recordings, "apis/searches/search_tweets_query.json")
    empty = {"meta": {"result_count": 0, "next_token": "after-empty"}}
    server.route(SEARCH, Reply(200, nyc), Reply(200, empty), Reply(200, with_includes))
    ex = make(server, policy)
    batches = list(ex.extract("acme", "nyc OR snowman OR labs", None, Window()))

    sent = [params for path, params in server.requests if path == SEARCH]
    assert [p.get("next_token") for p in sent] == [None, nyc["meta"]["next_token"], "after-empty"]
    assert sent[0]["query"] == "nyc OR snowman OR labs"
    assert "author_id" in sent[0]["expansions"] and "public_metrics" in sent[0]["tweet.fields"]
    assert [len(b.mentions) for b in batches[:3]][1] == 0
    mentions = {m.native_id: m for b in batches for m in b.mentions}
    reply = mentions["1276035977375477760"]  # "@snowman Ooo, thanks error message..."
    assert reply.author.handle == "happycamper" and reply.extra["reply_to"] == "x:1275653067283759104"
    assert reply.url == "https://x.com/happycamper/status/1276035977375477760"
    assert reply.lang == "en"
    rt = mentions["1275840892285399041"]
    assert rt.extra["repost_of"] == "x:1275809336988557314"
    assert mentions["1275763727908798470"].lang is None  # X's 'und' is no language
    assert "1275840877651546113" not in mentions  # truncated retweet without 'nyc': the local query decides
    assert all(b.cursor is None for b in batches[:-1])
    assert batches[-1].cursor == "1276035977375477760" and batches[-1].mentions == []


def test_metrics_and_author_followers_are_mapped(server, policy):
    page = {
        "data": [
            {
                "id": "1500000000000000000",
                "text": "Acme battery died again",
                "author_id": "42",
                "created_at": "2022-03-05T10:00:00.000Z",
                "lang": "en",
                "conversation_id": "1500000000000000000",
                "public_metrics": {"like_count": 5, "retweet_count": 2, "reply_count": 1, "quote_count": 0},
            },
            {"id": "not-a-number", "text": "acme"},  # malformed: skipped with a reason
            {"id": "1500000000000000001"},  # no text: skipped
        ],
        "includes": {"users": [{"id": "42", "username": "bob", "public_metrics": {"followers_count": 1234}}]},
        "errors": [{"detail": "Could not find tweet with referenced_tweets.id: [1].", "title": "Not Found Error"}],
        "meta": {"result_count": 3, "newest_id": "1500000000000000001"},
    }
    server.route(SEARCH, Reply(200, page))
    batches = list(make(server, policy).extract("acme", "acme", None, Window()))
    (m,) = batches[0].mentions
    assert m.author.followers == 1234 and m.engagement.likes == 5 and m.engagement.reposts == 2
    assert m.extra["conversation_id"] == "1500000000000000000"
    assert len(batches[0].skipped) == 2
    assert "not-a-number" in batches[0].skipped[0] and "text" in batches[0].skipped[1]


def test_429_waits_until_the_reset_header_then_continues(server, policy, clock, recordings, caplog):
    reset = int(clock.now) + 90
    page = body(recordings, "apis/searches/search_tweets_query.json")
    server.route(
        SEARCH, Reply(429, {"title": "Too Many Requests"}, {"x-rate-limit-reset": str(reset)}), Reply(200, page)
    )
    with caplog.at_level(logging.WARNING):
        batches = list(make(server, policy).extract("acme", "snowman", None, Window()))
    assert clock.sleeps == [90.0]
    assert "rate limited (429); retry 1/3 in 90.0s" in caplog.text
    assert sum(len(b.mentions) for b in batches) >= 1


def test_server_errors_and_truncated_json_are_retried(server, policy, clock, recordings):
    page = body(recordings, "apis/searches/search_tweets_query.json")
    # X sends its quota reset on every answer; a 503 must back off, not wait 15 minutes for that reset.
    reset = {"x-rate-limit-reset": str(int(clock.now) + 905)}
    server.route(SEARCH, Reply(503, "busy", reset), Reply(200, '{"data": [{"id": "12'), Reply(200, page))
    batches = list(make(server, policy).extract("acme", "snowman", None, Window()))
    assert clock.sleeps == [1.0, 2.0]
    assert batches[-1].cursor == page["meta"]["newest_id"]


def test_bad_token_is_fatal_and_names_the_variable(server, policy):
    server.route(SEARCH, Reply(401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}))
    with pytest.raises(SourceError, match=r"\$X_BEARER_TOKEN"):
        list(make(server, policy).extract("acme", "acme", None, Window()))
    assert len(server.requests) == 1


def test_missing_token_is_a_clear_error():
    with pytest.raises(SourceError, match="set \\$X_BEARER_TOKEN"):
        list(XExtractor({}, env={}).extract("acme", "acme", None, Window()))


def test_since_id_cursor_and_rerun_store_each_tweet_once(server, policy, recordings, tmp_path):
    # The full archive: the recorded tweets are years old, beyond what recent search reaches (below).
    page = body(recordings, "apis/searches/search_tweets_query.json")
    server.route(ARCHIVE, Reply(200, page))
    store = SqliteStore(tmp_path / "g.db")
    first, _ = run_collection(make(server, policy, endpoint="all"), store, "x", "acme", "snowman OR labs")
    assert store.get_state("cursor:x:acme") == page["meta"]["newest_id"]
    second, _ = run_collection(make(server, policy, endpoint="all"), store, "x", "acme", "snowman OR labs")
    assert server.requests[-1][1]["since_id"] == page["meta"]["newest_id"]
    assert first == second == store.count() > 0


def test_a_cursor_with_a_window_end_sends_until_id_never_end_time(server, policy, recordings, tmp_path):
    """X answers 400 to since_id beside start_time/end_time ("Invalid use of 'since_id' or 'until_id' in
    conjunction with 'start_time' or 'end_time'"), and a scheduled run has both a cursor and a window end
    (Airflow's data interval): the end goes as the first tweet id of that millisecond."""
    page = body(recordings, "apis/searches/search_tweets_query.json")
    server.route(ARCHIVE, Reply(200, page))
    store = SqliteStore(tmp_path / "g.db")
    run_collection(make(server, policy, endpoint="all"), store, "x", "acme", "snowman OR labs")
    until = tweet_time(page["meta"]["newest_id"]) + timedelta(hours=1)
    run_collection(make(server, policy, endpoint="all"), store, "x", "acme", "snowman OR labs", Window(until=until))
    sent = server.requests[-1][1]
    assert sent["since_id"] == page["meta"]["newest_id"] and sent["until_id"] == snowflake_at(until)
    assert "end_time" not in sent and "start_time" not in sent
    assert tweet_time(snowflake_at(until)) == until  # the id is the window's end, to the millisecond
    assert tweet_time(str(int(snowflake_at(until)) - 1)) < until  # and the id before it is inside the window


def test_recent_search_never_asks_beyond_its_7_days(server, policy, recordings, tmp_path, caplog):
    """A cursor older than recent search's 7 days (a pause, a spent budget) would be refused with a 400 on
    every run: the search starts at the reach instead, and says what is out of it."""
    page = body(recordings, "apis/searches/search_tweets_query.json")  # tweets from years ago
    server.route(SEARCH, Reply(200, page))
    store = SqliteStore(tmp_path / "g.db")
    store.set_state("cursor:x:acme", page["meta"]["newest_id"])
    with caplog.at_level(logging.WARNING, logger="groundswell.extractors.x"):
        run_collection(make(server, policy), store, "x", "acme", "snowman OR labs")
    assert "since_id" not in server.requests[-1][1] and "older than the 7 days" in caplog.text
    server.requests.clear()
    now = datetime.now(UTC)
    with caplog.at_level(logging.WARNING, logger="groundswell.extractors.x"):
        old = Window(since=now - timedelta(days=20), until=now - timedelta(days=10))
        assert list(make(server, policy).extract("acme", "acme", None, old)) == []
        late = Window(since=now - timedelta(days=9), until=now - timedelta(days=1))
        list(make(server, policy).extract("acme", "acme", None, late))
    assert "beyond the 7 days" in caplog.text and len(server.requests) == 1
    start = datetime.fromisoformat(server.requests[0][1]["start_time"].replace("Z", "+00:00"))
    assert now - timedelta(days=7) < start < now - timedelta(days=6)


def test_cursor_not_advanced_when_a_page_fails_to_store(server, policy, recordings, tmp_path):
    nyc = body(recordings, "apis/searches/search_tweets_for_nyc.json")
    server.route(SEARCH, Reply(200, nyc), Reply(200, body(recordings, "apis/searches/search_tweets_query.json")))

    class FailingSecondWrite(SqliteStore):
        calls = 0

        def upsert(self, mentions):
            self.calls += 1
            results = list(super().upsert(mentions))
            if self.calls == 2:
                from indexing.base import WriteResult

                return [WriteResult(r.id, ok=False, error="disk full") for r in results] or [
                    WriteResult("x:0", ok=False, error="disk full")
                ]
            return results

    store = FailingSecondWrite(tmp_path / "g.db")
    run_collection(make(server, policy), store, "x", "acme", "nyc OR snowman")
    assert store.get_state("cursor:x:acme") is None


def test_monthly_read_budget_is_metered_warned_and_enforced(server, policy, recordings, caplog):
    nyc = body(recordings, "apis/searches/search_tweets_for_nyc.json")  # 10 tweets, has next_token
    server.route(SEARCH, Reply(200, nyc))
    state = DictState()
    ex = make(server, policy, monthly_read_budget=25, max_results=10).bind(state, "x-main")
    with caplog.at_level(logging.WARNING):
        batches = list(ex.extract("acme", "nyc", None, Window()))
    (key,) = [k for k in state.data if k.startswith("budget:x-main:")]
    assert state.data[key] == "20"  # two pages of 10; 5 left is less than one page
    assert "20 of 25 monthly reads used (80%)" in caplog.text
    assert "read budget nearly spent (5 left this month)" in caplog.text
    assert Backlog.decode(batches[-1].cursor).then == nyc["meta"]["newest_id"]  # the rest is owed, not skipped
    state.data[key] = "25"
    with pytest.raises(SourceError, match="monthly read budget of 25 is spent"):
        list(make(server, policy, monthly_read_budget=25).bind(state, "x-main").extract("acme", "nyc", None, Window()))


def test_a_408_is_retried_like_a_server_error(server, policy, clock, recordings):
    # tweepy names no class for it: it was "X rejected the request (408)", the source stopped.
    page = body(recordings, "apis/searches/search_tweets_query.json")
    server.route(SEARCH, Reply(408, {"title": "Request Timeout"}), Reply(200, page))
    batches = list(make(server, policy).extract("acme", "snowman", None, Window()))
    assert clock.sleeps == [1.0] and batches[-1].cursor == page["meta"]["newest_id"]
