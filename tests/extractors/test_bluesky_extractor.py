"""Bluesky through the atproto SDK: bskyr's real bsky.social recordings (converted), faults from a local server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from bluesky_replay import bluesky_tape, convert_bskyr
from extractor_support import Reply

from extractors.base import SourceError, Window
from extractors.bluesky import BlueskyExtractor
from indexing.sqlite import SqliteStore

SEARCH = "/xrpc/app.bsky.feed.searchPosts"


@pytest.fixture
def converted(recordings, tmp_path):
    convert_bskyr(recordings / "bluesky" / "bskyr" / "f_search.yml", tmp_path / "f_search.json")
    return tmp_path


@pytest.mark.network_fixture
def test_replay_search_posts_twice_stores_once(converted, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    for _run in (1, 2):
        ex = BlueskyExtractor({"base_url": "https://bsky.social", "max_pages": 1})
        with bluesky_tape(converted).use_cassette("f_search.json"):
            batches = list(ex.extract("civics", "redistricting", None, Window()))
        mentions = [m for b in batches for m in b.mentions]
        assert all(r.ok for r in store.upsert(mentions))
    assert len(mentions) == store.count() == 25  # every recorded post mentions redistricting
    m = mentions[0]
    assert m.native_id == "did:plc:kkergqgbhb56ptpwj2wenkje/3lpk2u6qo222m"
    assert m.url == "https://bsky.app/profile/socpaperbot.bsky.social/post/3lpk2u6qo222m"
    assert m.text.startswith("Ends Versus Means: Public Opinion on Congressional Redistricting")
    assert json.loads(batches[-1].cursor)["since"].startswith("2025-05-19T")


def _post(rkey, text, when="2026-11-01T10:00:00.000Z"):
    return {
        "uri": f"at://did:plc:abc/app.bsky.feed.post/{rkey}",
        "cid": "bafyrei" + rkey,
        "author": {"did": "did:plc:abc", "handle": "ann.bsky.social"},
        "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": when, "langs": ["ko"]},
        "indexedAt": when,
        "likeCount": 2,
        "repostCount": 0,
        "replyCount": 1,
        "quoteCount": 0,
    }


@pytest.fixture
def local(server, policy):
    def make(**options):
        ex = BlueskyExtractor({"base_url": server.base, **options})
        ex.retry = policy
        return ex

    return make


def test_or_query_runs_one_search_per_term_and_pages(server, local, clock):
    first = {"posts": [_post("a1", "삼성은 최고"), _post("a2", "갤럭시 배터리")], "cursor": "2"}
    second = {"posts": [_post("a3", "LG는 별로")]}  # no cursor: last page
    server.route(SEARCH, Reply(503, {"error": "busy"}), Reply(200, first), Reply(200, second))
    batches = list(local(limit=2).extract("samsung", "삼성 OR 갤럭시", None, Window()))
    queries = [params["q"] for path, params in server.requests if path == SEARCH]
    assert queries == ["삼성", "삼성", "삼성", "갤럭시"]  # 503 retried; two pages; then the second term
    texts = sorted(m.text for b in batches for m in b.mentions)
    assert texts == ["갤럭시 배터리", "삼성은 최고"]  # same posts under two terms count once; LG filtered out
    assert batches[0].mentions[0].lang == "ko" and clock.sleeps == [1.0]


def test_429_uses_ratelimit_reset(server, local, clock):
    reset = str(int(clock.now) + 20)
    server.route(
        SEARCH, Reply(429, {"error": "RateLimitExceeded"}, {"RateLimit-Reset": reset}), Reply(200, {"posts": []})
    )
    list(local().extract("acme", "acme", None, Window()))
    assert clock.sleeps == [20.0]


def test_bad_request_is_fatal(server, local):
    server.route(SEARCH, Reply(400, {"error": "InvalidRequest", "message": "bad q"}))
    with pytest.raises(SourceError, match="bluesky rejected the request"):
        list(local().extract("acme", "acme", None, Window()))


def test_server_error_ignores_ratelimit_reset_and_backs_off(server, local, clock):
    # Bluesky sends RateLimit-Reset (its quota window) on every response: it says nothing about a 5xx.
    reset = str(int(clock.now) + 3600)
    failing = Reply(500, {"error": "InternalServerError"}, {"RateLimit-Reset": reset})
    server.route(SEARCH, failing, Reply(200, {"posts": []}))
    list(local().extract("acme", "acme", None, Window()))
    assert clock.sleeps == [1.0]


def test_a_dropped_connection_is_retried(server, local, clock):
    # httpx raises RemoteProtocolError ("Server disconnected without sending a response"), which the SDK
    # passes on unwrapped (it wraps only timeouts and NetworkError): it was fatal at once, like a bad request.
    server.route(SEARCH, Reply(drop=True), Reply(200, {"posts": [_post("a1", "acme again")]}))
    batches = list(local().extract("acme", "acme", None, Window()))
    assert [m.text for b in batches for m in b.mentions] == ["acme again"] and clock.sleeps == [1.0]


def test_an_unsupported_url_scheme_is_fatal_not_retried(clock, policy):
    ex = BlueskyExtractor({"base_url": "ftp://bsky.example"})
    ex.retry = policy
    with pytest.raises(SourceError, match="base_url"):
        list(ex.extract("acme", "acme", None, Window()))
    assert clock.sleeps == []


AUTHOR_FEED = "/xrpc/app.bsky.feed.getAuthorFeed"


def test_own_post_dated_exactly_at_the_window_start_is_collected(server, local):
    # Windows are [since, until): a post at `since` belongs to this window, the previous one left it out.
    since = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    at_start, inside = since.isoformat().replace("+00:00", "Z"), "2026-11-01T10:05:00.000Z"
    feed = {"feed": [{"post": _post("late", "reply two", inside)}, {"post": _post("edge", "reply one", at_start)}]}
    server.route(AUTHOR_FEED, Reply(200, feed))
    window = Window(since, since + timedelta(minutes=15))
    batches = list(local(max_pages=1).own_posts("acme", "acme", ["ann.bsky.social"], None, window))
    assert sorted(m.native_id.split("/")[-1] for b in batches for m in b.mentions) == ["edge", "late"]


@pytest.mark.parametrize("status", [408, 520])
def test_a_408_or_an_unnamed_5xx_is_retried(server, local, clock, status):
    server.route(SEARCH, Reply(status, {"error": "Busy"}), Reply(200, {"posts": [_post("a1", "acme again")]}))
    batches = list(local().extract("acme", "acme", None, Window()))
    assert [m.text for b in batches for m in b.mentions] == ["acme again"] and clock.sleeps == [1.0]
