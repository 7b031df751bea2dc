"""The shared incremental-cursor rule (`Selector.add`), through each source's real client and a local server.

Every test: a page with a bogus future-dated item and a good one stores the good one, reports the bad
one, leaves the cursor at the newest GOOD item; a second run then collects a newer good item.
On the old code the bogus date became the cursor and the newer good item was never collected.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from extractor_support import Reply, run_collection
from reddit_replay import ENV as REDDIT_ENV

from extractors.base import Window
from extractors.bluesky import BlueskyExtractor
from extractors.hackernews import HackerNewsExtractor
from extractors.mastodon import MastodonExtractor
from extractors.reddit import RedditExtractor
from extractors.rss import RssExtractor
from extractors.x import XExtractor
from indexing.sqlite import SqliteStore

OLD, NEW, FUTURE = "2025-06-01T10:00:00", "2025-06-02T10:00:00", "2099-01-01T00:00:00"


def _ts(iso: str) -> int:
    return int(datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp())


def _future_reasons(batches) -> list[str]:
    return [r for b in batches for r in b.skipped if "is in the future" in r and "cursor stays before it" in r]


def _ids(store) -> set[str]:
    return {m.id for m in store.iter_mentions()}


@pytest.fixture
def store(tmp_path):
    return SqliteStore(tmp_path / "g.db")


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # praw paces itself with time.sleep


# -- Reddit ------------------------------------------------------------------------------------
def _comment(cid: str, ts: float) -> dict:
    return {
        "kind": "t1",
        "data": {"name": f"t1_{cid}", "id": cid, "body": f"Acme {cid}", "created_utc": ts, "author": "bob",
                 "score": 1, "permalink": f"/r/acme/comments/1/_/{cid}/", "subreddit": "acme"},
    }


def test_reddit_bogus_dates_do_not_move_the_cursor(server, policy, store):
    server.route(
        "/api/v1/access_token",
        Reply(200, {"access_token": "t", "token_type": "bearer", "expires_in": 3600, "scope": "*"}),
    )

    def run(*children):
        server.route("/r/acme/comments", Reply(200, {"kind": "Listing", "data": {"after": None, "children": children}}))
        options = {"mode": "comments", "subreddits": ["acme"], "reddit_url": server.base, "oauth_url": server.base}
        ex = RedditExtractor(options, env=REDDIT_ENV)
        ex.retry = policy
        return run_collection(ex, store, "reddit", "acme", "acme")

    # Newest first: 1e20 (not even a datetime), 2099, then the good comment.
    bogus = (_comment("huge", 1e20), _comment("future", float(_ts(FUTURE))))
    stored, batches = run(*bogus, _comment("old", float(_ts(OLD))))
    assert json.loads(store.get_state("cursor:reddit:acme")) == {"created_utc": _ts(OLD), "ids": ["t1_old"]}
    assert stored == 1 and len([r for b in batches for r in b.skipped]) == 2 and len(_future_reasons(batches)) == 1
    stored, _ = run(*bogus, _comment("new", float(_ts(NEW))), _comment("old", float(_ts(OLD))))
    assert stored == 1 and "reddit:t1_new" in _ids(store)
    assert json.loads(store.get_state("cursor:reddit:acme"))["created_utc"] == _ts(NEW)


# -- Bluesky -----------------------------------------------------------------------------------
SEARCH = "/xrpc/app.bsky.feed.searchPosts"


def _post(rkey: str, when: str) -> dict:
    return {
        "uri": f"at://did:plc:abc/app.bsky.feed.post/{rkey}",
        "cid": "bafyrei" + rkey,
        "author": {"did": "did:plc:abc", "handle": "ann.bsky.social"},
        "record": {"$type": "app.bsky.feed.post", "text": f"acme {rkey}", "createdAt": when, "langs": ["en"]},
        "indexedAt": when,
    }


def test_bluesky_future_post_does_not_move_since(server, policy, store):
    def run(*posts):
        server.route(SEARCH, Reply(200, {"posts": list(posts)}))
        ex = BlueskyExtractor({"base_url": server.base, "max_pages": 1})
        ex.retry = policy
        return run_collection(ex, store, "bluesky", "acme", "acme")

    future = _post("f", FUTURE + ".000Z")
    stored, batches = run(future, _post("a", OLD + ".000Z"))
    assert json.loads(store.get_state("cursor:bluesky:acme")) == {"since": OLD + ".000Z"}
    assert stored == 1 and len(_future_reasons(batches)) == 1
    stored, _ = run(future, _post("b", NEW + ".000Z"), _post("a", OLD + ".000Z"))
    assert [p.get("since") for path, p in server.requests if path == SEARCH][-1] == OLD + ".000Z"
    assert "bluesky:did:plc:abc/b" in _ids(store)
    assert json.loads(store.get_state("cursor:bluesky:acme")) == {"since": NEW + ".000Z"}


def test_bluesky_cursor_compares_times_not_strings(server, policy, store):
    # "…10:00:00.500Z" sorts before "…10:00:00Z" as text but is the later time.
    server.route(SEARCH, Reply(200, {"posts": [_post("a", OLD + "Z"), _post("b", OLD + ".500Z")]}))
    ex = BlueskyExtractor({"base_url": server.base, "max_pages": 1})
    ex.retry = policy
    run_collection(ex, store, "bluesky", "acme", "acme")
    assert json.loads(store.get_state("cursor:bluesky:acme")) == {"since": OLD + ".500Z"}


# -- Hacker News -------------------------------------------------------------------------------
BY_DATE = "/api/v1/search_by_date"


def _hit(oid: int, ts: int) -> dict:
    return {"objectID": str(oid), "title": f"Acme {oid}", "created_at_i": ts, "author": "pg", "_tags": ["story"]}


def test_hackernews_future_hit_does_not_move_the_cursor(server, policy, store):
    def run(*hits):
        server.route(BY_DATE, Reply(200, {"hits": list(hits), "nbPages": 1}))
        ex = HackerNewsExtractor({"base_url": server.base, "max_pages": 1})
        ex.retry = policy
        return run_collection(ex, store, "hackernews", "acme", "acme")

    stored, batches = run(_hit(9, _ts(FUTURE)), _hit(1, _ts(OLD)))
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": _ts(OLD)}
    assert stored == 1 and len(_future_reasons(batches)) == 1
    stored, _ = run(_hit(9, _ts(FUTURE)), _hit(2, _ts(NEW)))
    assert server.requests[-1][1]["numericFilters"] == f"created_at_i>{_ts(OLD)}"
    assert stored == 1 and "hackernews:2" in _ids(store)
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": _ts(NEW)}


# -- RSS ---------------------------------------------------------------------------------------
def _item(guid: str, iso: str) -> str:
    when = datetime.fromisoformat(iso).strftime("%a, %d %b %Y %H:%M:%S GMT")
    return f"<item><title>Acme {guid}</title><guid>{guid}</guid><pubDate>{when}</pubDate></item>"


def test_rss_entry_dated_in_the_future_does_not_move_the_cursor(server, policy, store):
    url = server.base + "/feed"

    def run(*items):
        feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>'
        server.route("/feed", Reply(200, feed, {"Content-Type": "application/rss+xml"}))
        ex = RssExtractor({"urls": [url]})
        ex.retry = policy
        return run_collection(ex, store, "rss", "acme", "acme")

    stored, batches = run(_item("future", FUTURE), _item("old", OLD))
    assert json.loads(store.get_state("cursor:rss:acme")) == {url: OLD + "+00:00"}
    assert stored == 1 and len(_future_reasons(batches)) == 1
    stored, _ = run(_item("future", FUTURE), _item("new", NEW), _item("old", OLD))
    assert sorted(m.text for m in store.iter_mentions()) == ["Acme new", "Acme old"]
    assert json.loads(store.get_state("cursor:rss:acme")) == {url: NEW + "+00:00"}


# -- X (ids are snowflakes: an id is a time too) -----------------------------------------------
X_SEARCH = "/2/tweets/search/recent"
TWITTER_EPOCH_MS = 1288834974657


def _tweet_id(iso: str) -> str:
    return str((_ts(iso) * 1000 - TWITTER_EPOCH_MS) << 22)


def test_x_future_tweets_do_not_move_since_id(server, policy, store):
    def run(*tweets):
        server.route(X_SEARCH, Reply(200, {"data": list(tweets), "meta": {"newest_id": tweets[0]["id"]}}))
        ex = XExtractor({"api_base_url": server.base}, env={"X_BEARER_TOKEN": "t"})
        ex.retry = policy
        return run_collection(ex, store, "x", "acme", "acme")

    bogus = (
        {"id": _tweet_id(FUTURE), "text": "acme bogus id", "created_at": OLD + ".000Z"},  # id says 2099
        {"id": str(int(_tweet_id(OLD)) + 1), "text": "acme bogus date", "created_at": FUTURE + ".000Z"},
    )
    old = {"id": _tweet_id(OLD), "text": "acme old", "created_at": OLD + ".000Z"}
    run(*bogus, old)
    assert store.get_state("cursor:x:acme") == _tweet_id(OLD)
    run(*bogus, {"id": _tweet_id(NEW), "text": "acme new", "created_at": NEW + ".000Z"})
    assert [p.get("since_id") for path, p in server.requests if path == X_SEARCH][-1] == _tweet_id(OLD)
    assert f"x:{_tweet_id(NEW)}" in _ids(store) and store.get_state("cursor:x:acme") == _tweet_id(NEW)


# -- Mastodon (ids are snowflakes: milliseconds << 16) -----------------------------------------
def _status(iso: str, text: str) -> dict:
    return {
        "id": str((_ts(iso) * 1000) << 16),
        "created_at": iso + ".000Z",
        "content": f"<p>{text}</p>",
        "account": {"id": "7", "acct": "ann"},
        "spoiler_text": "",
    }


def test_mastodon_future_status_does_not_move_the_tag_cursor(server, policy, store):
    def run(*statuses):
        server.route("/api/v1/timelines/tag/acme", Reply(200, list(statuses)))
        ex = MastodonExtractor({"api_base_url": server.base})
        ex.retry = policy
        return run_collection(ex, store, "mastodon", "acme", "acme")

    future, old = _status(FUTURE, "acme bogus"), _status(OLD, "acme old")
    stored, batches = run(future, old)
    assert json.loads(store.get_state("cursor:mastodon:acme")) == {"acme": old["id"]}
    assert stored == 1 and len(_future_reasons(batches)) == 1
    new = _status(NEW, "acme new")
    stored, _ = run(future, new, old)
    assert stored == 1 and f"mastodon:{new['id']}" in _ids(store)
    assert json.loads(store.get_state("cursor:mastodon:acme")) == {"acme": new["id"]}


# -- the window's end --------------------------------------------------------------------------
def test_items_after_the_window_end_do_not_move_the_cursor(server, policy, store):
    """A backfill window [OLD, NEW): a post after NEW belongs to a later window, so the cursor stays before it."""
    server.route(BY_DATE, Reply(200, {"hits": [_hit(3, _ts(NEW) + 60), _hit(1, _ts(OLD))], "nbPages": 1}))
    ex = HackerNewsExtractor({"base_url": server.base, "max_pages": 1})
    ex.retry = policy
    since, until = (datetime.fromisoformat(iso).replace(tzinfo=UTC) for iso in (OLD, NEW))
    window = Window(since=since, until=until)
    stored, _ = run_collection(ex, store, "hackernews", "acme", "acme", window)
    assert stored == 1
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": _ts(OLD)}
