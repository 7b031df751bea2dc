"""Reddit through praw: praw's recorded cassettes replayed through praw, faults from a local server."""

from __future__ import annotations

import json
import logging

import pytest
from extractor_support import Reply, run_collection
from reddit_replay import ENV, reddit_tape

from core.mention import is_tombstone
from core.query import parse
from extractors.base import SourceError, Window
from extractors.reddit import RedditExtractor
from indexing.sqlite import SqliteStore

SEARCH_OPTIONS = {
    "mode": "search",
    "subreddits": ["all"],
    "sort": "relevance",
    "syntax": "cloudsearch",
    "time_filter": "all",
    "limit": None,
    "native_query": "praw oauth search",  # the recorded request's query
}


@pytest.fixture
def praw_dir(recordings):
    return recordings / "reddit" / "praw"


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch):
    # praw paces requests and prawcore retries 5xx with time.sleep; praw's own tests patch it the same way.
    monkeypatch.setattr("time.sleep", lambda seconds: None)


@pytest.mark.network_fixture
def test_replay_search_twice_stores_each_post_once(praw_dir, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    for _run in (1, 2):
        ex = RedditExtractor(SEARCH_OPTIONS, env=ENV)
        with reddit_tape(praw_dir).use_cassette("TestSubreddit.test_search.json"):
            batches = list(ex.extract("praw", "praw", None, Window()))
        mentions = [m for b in batches for m in b.mentions]
        assert all(r.ok for r in store.upsert(mentions))
    assert store.count() == len(mentions) == 6
    by_id = {m.native_id: m for m in mentions}
    post = by_id["t3_3gpbiu"]
    assert post.text.startswith("[PRAW][OAuth2Util] Problem using get_banned()")
    assert post.author.handle == "dClauzel" and post.engagement.replies == 21
    assert post.url.startswith("https://www.reddit.com/r/redditdev/comments/3gpbiu/")
    assert by_id["t3_4at068"].text.startswith("たびたび話題になる")  # Japanese post that mentions PRAW
    cursor = json.loads(batches[-1].cursor)
    assert cursor == {"created_utc": 1458221634.0, "ids": ["t3_4at068"]}


@pytest.mark.network_fixture
@pytest.mark.parametrize(
    ("cassette", "mode", "prefix"),
    [
        ("TestSubredditListings.test_new.json", "new", "t3_"),
        ("TestSubredditListings.test_comments.json", "comments", "t1_"),
    ],
)
def test_replay_subreddit_listing_then_rerun_with_cursor(praw_dir, tmp_path, cassette, mode, prefix):
    store = SqliteStore(tmp_path / "g.db")
    options = {"mode": mode, "subreddits": ["askreddit"], "limit": 100}
    with reddit_tape(praw_dir).use_cassette(cassette, allow_playback_repeats=True):
        stored, batches = run_collection(RedditExtractor(options, env=ENV), store, "reddit", "b", "the OR you")
        mentions = [m for b in batches for m in b.mentions]
        q = parse("the OR you")
        assert 0 < len(mentions) < 100  # the query is applied locally to the 100 listed items
        assert all(m.native_id.startswith(prefix) and q.matches(m.text) for m in mentions)
        assert stored == store.count() == len(mentions)
        cursor = store.get_state("cursor:reddit:b")
        assert cursor and json.loads(cursor)["created_utc"] == max(m.created_at.timestamp() for m in mentions)
        # Second run, same listing: everything is at or before the cursor, nothing new, cursor unchanged.
        stored_again, batches_again = run_collection(
            RedditExtractor(options, env=ENV), store, "reddit", "b", "the OR you"
        )
    assert stored_again == 0 and store.count() == len(mentions)
    assert store.get_state("cursor:reddit:b") == cursor


def _listing(*children, after=None):
    return {"kind": "Listing", "data": {"after": after, "children": children}}


def _comment(cid, body, ts, author="bob"):
    return {
        "kind": "t1",
        "data": {
            "name": f"t1_{cid}",
            "id": cid,
            "body": body,
            "created_utc": ts,
            "author": author,
            "score": 2,
            "permalink": f"/r/acme/comments/1/_/{cid}/",
            "subreddit": "acme",
            "link_id": "t3_1",
            "parent_id": "t3_1",
        },
    }


@pytest.fixture
def local_reddit(server, policy):
    server.route(
        "/api/v1/access_token",
        Reply(200, {"access_token": "t", "token_type": "bearer", "expires_in": 3600, "scope": "*"}),
    )

    def make(**options):
        ex = RedditExtractor(
            {
                "mode": "comments",
                "subreddits": ["acme"],
                "reddit_url": server.base,
                "oauth_url": server.base,
                **options,
            },
            env=ENV,
        )
        ex.retry = policy
        return ex

    return make


def test_429_waits_for_the_reset_and_deleted_comments_are_tombstones(server, local_reddit, clock, caplog):
    page = _listing(
        _comment("a", "Acme support rocks", 1_700_000_000.0), _comment("b", "[deleted]", 1_700_000_001.0, "[deleted]")
    )
    server.route(
        "/r/acme/comments",
        Reply(429, "", {"x-ratelimit-reset": "42", "x-ratelimit-remaining": "0", "x-ratelimit-used": "100"}),
        Reply(200, page),
    )
    with caplog.at_level(logging.WARNING):
        batches = list(local_reddit().extract("acme", "acme", None, Window()))
    assert clock.sleeps == [42.0]
    assert "rate limited (429); retry 1/3 in 42.0s" in caplog.text
    # The deleted comment is a tombstone (no text, no author), so collection deletes a stored copy of it.
    assert [(m.native_id, is_tombstone(m)) for m in batches[0].mentions] == [("t1_a", False), ("t1_b", True)]
    assert batches[0].mentions[1].text == "" and batches[0].mentions[1].author.handle is None
    assert batches[0].skipped == []


def test_server_errors_are_retried_by_our_one_layer_only(server, local_reddit, clock):
    page = _listing(_comment("a", "acme", 1_700_000_000.0))
    # prawcore's own retries are off: each 503 is one of our attempts, with our backoff (no hidden sleeps).
    server.route("/r/acme/comments", Reply(503), Reply(503), Reply(200, page))
    batches = list(local_reddit().extract("acme", "acme", None, Window()))
    assert clock.sleeps == [1.0, 2.0] and batches[0].mentions[0].native_id == "t1_a"
    assert [path for path, _ in server.requests].count("/r/acme/comments") == 3


def test_prawcore_never_sleeps_before_a_request(server, local_reddit, monkeypatch):
    """Its retry strategy sleeps before a request whenever it has fewer retries than its default: with its
    retries off that would be every request. A spy on its `time.sleep` (waiting is what is checked)."""
    import prawcore.sessions

    slept: list[float] = []
    monkeypatch.setattr(prawcore.sessions.time, "sleep", slept.append)
    server.route("/r/acme/comments", Reply(200, _listing(_comment("a", "acme", 1_700_000_000.0))))
    assert list(local_reddit().extract("acme", "acme", None, Window()))
    assert slept == []


def test_server_error_backs_off_instead_of_waiting_for_the_quota_reset(server, local_reddit, clock):
    # Reddit sends x-ratelimit-reset (seconds until its quota window resets) on every response, 5xx too.
    page = _listing(_comment("a", "acme", 1_700_000_000.0))
    busy = Reply(503, "", {"x-ratelimit-reset": "580", "x-ratelimit-remaining": "90", "x-ratelimit-used": "10"})
    server.route("/r/acme/comments", busy, Reply(200, page))
    batches = list(local_reddit().extract("acme", "acme", None, Window()))
    # Our backoff (1 s), then what is left of prawcore's own pacing near the window's end (at most 10 s, its rule),
    # which now goes through our policy (its wait ceiling) instead of a hidden time.sleep: never the 580 s reset.
    assert clock.sleeps[0] == 1.0 and all(s <= 10 for s in clock.sleeps[1:]) and len(clock.sleeps) <= 2
    assert batches[0].mentions[0].native_id == "t1_a"


@pytest.mark.parametrize("status", [408, 501, 505, 521, 524, 529])
def test_statuses_prawcore_has_no_class_for_are_retried_by_status(server, local_reddit, clock, status):
    # prawcore names only some 5xx (ServerError): a Cloudflare 52x, a 501 or a 408 came as a bare
    # ResponseException and stopped the source as "rejected", though another try is what they call for.
    page = _listing(_comment("a", "acme", 1_700_000_000.0))
    server.route("/r/acme/comments", Reply(status, {"error": status}), Reply(200, page))
    batches = list(local_reddit().extract("acme", "acme", None, Window()))
    assert clock.sleeps == [1.0] and batches[0].mentions[0].native_id == "t1_a"


def test_an_unseen_item_of_the_cursors_second_listed_after_a_seen_one_is_collected(server, local_reddit):
    # Reddit orders items of one second any way: meeting the one read last run (at the cursor's second)
    # ended the newest-first listing, and "b", posted that second but listed after it, was never read.
    cursor = json.dumps({"created_utc": 1_700_000_000.0, "ids": ["t1_a"]})
    same_second = [_comment(c, f"acme {c}", 1_700_000_000.0) for c in "ab"]
    page = _listing(*same_second, _comment("old", "acme", 1_699_999_990.0))
    server.route("/r/acme/comments", Reply(200, page))
    batches = list(local_reddit().extract("acme", "acme", cursor, Window()))
    assert [m.native_id for b in batches for m in b.mentions] == ["t1_b"]
    assert json.loads(batches[-1].cursor) == {"created_utc": 1_700_000_000.0, "ids": ["t1_a", "t1_b"]}


def test_bad_credentials_are_fatal(server, policy):
    server.route("/api/v1/access_token", Reply(401, {"message": "Unauthorized", "error": 401}))
    server.route("/r/acme/comments", Reply(200, _listing()))
    ex = RedditExtractor(
        {"mode": "comments", "subreddits": ["acme"], "reddit_url": server.base, "oauth_url": server.base}, env=ENV
    )
    ex.retry = policy
    with pytest.raises(SourceError, match=r"REDDIT_CLIENT_ID"):
        list(ex.extract("acme", "acme", None, Window()))


def test_missing_credentials_name_the_variables():
    with pytest.raises(SourceError, match=r"\$REDDIT_CLIENT_ID and \$REDDIT_CLIENT_SECRET"):
        list(RedditExtractor({}, env={}).extract("acme", "acme", None, Window()))


def test_query_that_reddit_cannot_search_is_a_clear_error():
    with pytest.raises(SourceError, match="no positive term"):
        list(RedditExtractor({}, env=ENV).extract("acme", "NOT acme", None, Window()))


def test_window_bounds_a_newest_first_listing(server, local_reddit):
    from datetime import UTC, datetime

    page = _listing(_comment("new", "acme new", 1_700_000_500.0), _comment("old", "acme old", 1_700_000_000.0))
    server.route("/r/acme/comments", Reply(200, page))
    since = datetime.fromtimestamp(1_700_000_100, tz=UTC)
    batches = list(local_reddit().extract("acme", "acme", None, Window(since=since)))
    assert [m.native_id for b in batches for m in b.mentions] == ["t1_new"]
