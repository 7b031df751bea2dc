"""The shared incremental-cursor rule (`Selector.add`), through each source's real client and a local server.

Every test: a page with a bogus future-dated item and a good one stores the good one, reports the bad
one, leaves the cursor at the newest GOOD item; a second run then collects a newer good item.
On the old code the bogus date became the cursor and the newer good item was never collected.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from extractor_support import Reply, run_collection
from reddit_replay import ENV as REDDIT_ENV
from reddit_replay import reddit_comment

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
@pytest.fixture
def reddit(server, policy, store):
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

    return run


def test_reddit_bogus_dates_do_not_move_the_cursor(reddit, store):
    run = reddit
    # Newest first: 1e20 (not even a datetime), 2099, then the good comment.
    bogus = (reddit_comment("huge", 1e20), reddit_comment("future", float(_ts(FUTURE))))
    stored, batches = run(*bogus, reddit_comment("old", float(_ts(OLD))))
    assert json.loads(store.get_state("cursor:reddit:acme")) == {"created_utc": _ts(OLD), "ids": ["t1_old"]}
    assert stored == 1 and len([r for b in batches for r in b.skipped]) == 2 and len(_future_reasons(batches)) == 1
    stored, _ = run(*bogus, reddit_comment("new", float(_ts(NEW))), reddit_comment("old", float(_ts(OLD))))
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


@pytest.fixture
def bluesky(server, policy, store):
    def run(*posts):
        server.route(SEARCH, Reply(200, {"posts": list(posts)}))
        ex = BlueskyExtractor({"base_url": server.base, "max_pages": 1})
        ex.retry = policy
        return run_collection(ex, store, "bluesky", "acme", "acme")

    return run


def test_bluesky_future_post_does_not_move_since(bluesky, server, store):
    run = bluesky
    future = _post("f", FUTURE + ".000Z")
    stored, batches = run(future, _post("a", OLD + ".000Z"))
    assert json.loads(store.get_state("cursor:bluesky:acme")) == {"since": OLD + ".000Z"}
    assert stored == 1 and len(_future_reasons(batches)) == 1
    stored, _ = run(future, _post("b", NEW + ".000Z"), _post("a", OLD + ".000Z"))
    assert [p.get("since") for path, p in server.requests if path == SEARCH][-1] == OLD + ".000Z"
    assert "bluesky:did:plc:abc/b" in _ids(store)
    assert json.loads(store.get_state("cursor:bluesky:acme")) == {"since": NEW + ".000Z"}


def test_bluesky_cursor_compares_times_not_strings(bluesky, store):
    # "…10:00:00.500Z" sorts before "…10:00:00Z" as text but is the later time.
    bluesky(_post("a", OLD + "Z"), _post("b", OLD + ".500Z"))
    assert json.loads(store.get_state("cursor:bluesky:acme")) == {"since": OLD + ".500Z"}


# -- Hacker News -------------------------------------------------------------------------------
BY_DATE = "/api/v1/search_by_date"


def _hit(oid: int, ts: int) -> dict:
    return {"objectID": str(oid), "title": f"Acme {oid}", "created_at_i": ts, "author": "pg", "_tags": ["story"]}


@pytest.fixture
def hackernews(server, policy, store):
    def run(*hits, window=None):
        server.route(BY_DATE, Reply(200, {"hits": list(hits), "nbPages": 1}))
        ex = HackerNewsExtractor({"base_url": server.base, "max_pages": 1})
        ex.retry = policy
        return run_collection(ex, store, "hackernews", "acme", "acme", window)

    return run


def test_hackernews_future_hit_does_not_move_the_cursor(hackernews, server, store):
    run = hackernews
    stored, batches = run(_hit(9, _ts(FUTURE)), _hit(1, _ts(OLD)))
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": _ts(OLD)}
    assert stored == 1 and len(_future_reasons(batches)) == 1
    stored, _ = run(_hit(9, _ts(FUTURE)), _hit(2, _ts(NEW)))
    assert server.requests[-1][1]["numericFilters"] == f"created_at_i>={_ts(OLD)}"
    assert stored == 1 and "hackernews:2" in _ids(store)
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": _ts(NEW)}


# -- RSS ---------------------------------------------------------------------------------------
def _item(guid: str, iso: str) -> str:
    when = datetime.fromisoformat(iso).strftime("%a, %d %b %Y %H:%M:%S GMT")
    return f"<item><title>Acme {guid}</title><guid>{guid}</guid><pubDate>{when}</pubDate></item>"


@pytest.fixture
def rss(server, policy, store):
    def run(*items):
        feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>'
        server.route("/feed", Reply(200, feed, {"Content-Type": "application/rss+xml"}))
        ex = RssExtractor({"urls": [server.base + "/feed"]})
        ex.retry = policy
        return run_collection(ex, store, "rss", "acme", "acme")

    return run


def test_rss_entry_dated_in_the_future_does_not_move_the_cursor(rss, server, store):
    run, url = rss, server.base + "/feed"
    stored, batches = run(_item("future", FUTURE), _item("old", OLD))
    assert _feed_times(store.get_state("cursor:rss:acme")) == {url: OLD + "+00:00"}
    assert stored == 1 and len(_future_reasons(batches)) == 1
    stored, _ = run(_item("future", FUTURE), _item("new", NEW), _item("old", OLD))
    assert sorted(m.text for m in store.iter_mentions()) == ["Acme new", "Acme old"]
    assert _feed_times(store.get_state("cursor:rss:acme")) == {url: NEW + "+00:00"}


def _feed_times(cursor: str) -> dict[str, str]:
    """An RSS cursor's time per feed (a feed's entry also lists the ids read at that time)."""
    return {url: value["at"] if isinstance(value, dict) else value for url, value in json.loads(cursor).items()}


# -- X (ids are snowflakes: an id is a time too) -----------------------------------------------
X_SEARCH = "/2/tweets/search/all"  # the archive: these tweets are older than recent search reaches
TWITTER_EPOCH_MS = 1288834974657


def _tweet_id(iso: str) -> str:
    return str((_ts(iso) * 1000 - TWITTER_EPOCH_MS) << 22)


def _tweet(iso: str, text: str) -> dict:
    return {"id": _tweet_id(iso), "text": text, "created_at": iso + ".000Z"}


@pytest.fixture
def x(server, policy, store):
    def run(*tweets):
        server.route(X_SEARCH, Reply(200, {"data": list(tweets), "meta": {"newest_id": tweets[0]["id"]}}))
        ex = XExtractor({"api_base_url": server.base, "endpoint": "all"}, env={"X_BEARER_TOKEN": "t"})
        ex.retry = policy
        return run_collection(ex, store, "x", "acme", "acme")

    return run


def test_x_future_tweets_do_not_move_since_id(x, server, store):
    run = x
    bogus = (
        {"id": _tweet_id(FUTURE), "text": "acme bogus id", "created_at": OLD + ".000Z"},  # id says 2099
        {"id": str(int(_tweet_id(OLD)) + 1), "text": "acme bogus date", "created_at": FUTURE + ".000Z"},
    )
    run(*bogus, _tweet(OLD, "acme old"))
    assert store.get_state("cursor:x:acme") == _tweet_id(OLD)
    run(*bogus, _tweet(NEW, "acme new"))
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


@pytest.fixture
def mastodon(server, policy, store):
    def run(*statuses):
        server.route("/api/v1/timelines/tag/acme", Reply(200, list(statuses)))
        ex = MastodonExtractor({"api_base_url": server.base})
        ex.retry = policy
        return run_collection(ex, store, "mastodon", "acme", "acme")

    return run


def test_mastodon_future_status_does_not_move_the_tag_cursor(mastodon, store):
    run = mastodon
    future, old = _status(FUTURE, "acme bogus"), _status(OLD, "acme old")
    stored, batches = run(future, old)
    assert json.loads(store.get_state("cursor:mastodon:acme")) == {"acme": old["id"]}
    assert stored == 1 and len(_future_reasons(batches)) == 1
    new = _status(NEW, "acme new")
    stored, _ = run(future, new, old)
    assert stored == 1 and f"mastodon:{new['id']}" in _ids(store)
    assert json.loads(store.get_state("cursor:mastodon:acme")) == {"acme": new["id"]}


# -- the window's end --------------------------------------------------------------------------
def test_items_after_the_window_end_do_not_move_the_cursor(hackernews, store):
    """A backfill window [OLD, NEW): a post after NEW belongs to a later window, so the cursor stays before it."""
    since, until = (datetime.fromisoformat(iso).replace(tzinfo=UTC) for iso in (OLD, NEW))
    stored, _ = hackernews(_hit(3, _ts(NEW) + 60), _hit(1, _ts(OLD)), window=Window(since=since, until=until))
    assert stored == 1
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": _ts(OLD)}


# -- cursors a bogus date already poisoned -----------------------------------------------------
# (source fixture, the cursor the old code saved after a bogus item, a good item, the healed cursor)
POISONED = [
    ("reddit", '{"created_utc":1e+20,"ids":["t1_huge"]}',
     lambda: reddit_comment("old", float(_ts(OLD))), {"created_utc": _ts(OLD), "ids": ["t1_old"]}),
    ("bluesky", json.dumps({"since": FUTURE + ".000Z"}), lambda: _post("a", OLD + ".000Z"), {"since": OLD + ".000Z"}),
    ("hackernews", json.dumps({"created_at_i": _ts(FUTURE)}), lambda: _hit(1, _ts(OLD)), {"created_at_i": _ts(OLD)}),
    ("rss", json.dumps({"{feed}": FUTURE + "+00:00", "https://other.example/feed": OLD + "+00:00"}),
     lambda: _item("old", OLD), {"{feed}": OLD + "+00:00", "https://other.example/feed": OLD + "+00:00"}),
    ("x", _tweet_id(FUTURE), lambda: _tweet(OLD, "acme old"), _tweet_id(OLD)),
    ("mastodon", json.dumps({"acme": _status(FUTURE, "x")["id"]}), lambda: _status(OLD, "acme old"),
     {"acme": _status(OLD, "x")["id"]}),
]


@pytest.mark.parametrize(("source", "poisoned", "good", "healed"), POISONED, ids=[p[0] for p in POISONED])
def test_a_cursor_saved_in_the_future_is_ignored_and_replaced(
    request, server, store, caplog, source, poisoned, good, healed
):
    feed = server.base + "/feed"
    store.set_state(f"cursor:{source}:acme", poisoned.replace("{feed}", feed))
    with caplog.at_level(logging.WARNING):
        stored, _ = request.getfixturevalue(source)(good())
    assert stored == 1
    assert "ignoring the saved cursor" in caplog.text and "it is in the future" in caplog.text
    saved = store.get_state(f"cursor:{source}:acme")
    expected = json.loads(json.dumps(healed).replace("{feed}", feed))
    assert (saved if source == "x" else _feed_times(saved) if source == "rss" else json.loads(saved)) == expected
