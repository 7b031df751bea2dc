"""X, surge finding 3: a rate limit (a wait over the ceiling, `RateLimited`) met after some pages were stored saves
the same `Backlog` a `max_pages` stop saves, so the next run goes on below them instead of reading (and being
billed for) the same pages again; the pass still fails as rate limited, and the retry layer is unchanged. v2 bodies
served by a local server through tweepy."""

from __future__ import annotations

import pytest
from extractor_support import X_ARCHIVE, Reply, run_collection, x_tweet

from extractors.http import RateLimited
from extractors.state import Backlog
from extractors.x import XExtractor
from indexing.sqlite import SqliteStore

LIMITED = Reply(429, {"title": "Too Many Requests"}, {"retry-after": "3600"})  # over the 900 s ceiling


def _page(minutes: range, token: str | None = None) -> dict:
    tweets = [x_tweet(m) for m in sorted(minutes, reverse=True)]  # X answers newest first
    return {"data": tweets, "meta": {"result_count": len(tweets), **({"next_token": token} if token else {})}}


def _extractor(server, policy) -> XExtractor:
    ex = XExtractor({"api_base_url": server.base, "endpoint": "all", "max_results": 10, "max_pages": 10},
                    env={"X_BEARER_TOKEN": "t"})
    ex.retry = policy
    return ex


def test_a_rate_limit_after_stored_pages_saves_a_backlog_and_the_next_run_goes_on_below(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    server.route(X_ARCHIVE, Reply(200, _page(range(100, 110)))) # the quiet start: cursor at minute 109
    run_collection(_extractor(server, policy), store, "x", "acme", "acme")
    cursor = store.get_state("cursor:x:acme")
    assert cursor == x_tweet(109)["id"]

    # A burst: two pages, then the quota is spent (every run would meet it at the same point).
    server.route(X_ARCHIVE, Reply(200, _page(range(150, 160), "p2")), Reply(200, _page(range(140, 150), "p3")), LIMITED)
    with pytest.raises(RateLimited):
        run_collection(_extractor(server, policy), store, "x", "acme", "acme")
    assert store.count() == 30
    # What a max_pages stop saves: from the old cursor up to the oldest tweet given; then the newest stored.
    assert Backlog.decode(store.get_state("cursor:x:acme")) == Backlog(cursor, x_tweet(140)["id"], x_tweet(159)["id"])

    server.reset()  # nothing new since; the owed range below what was stored
    server.route(X_ARCHIVE, Reply(200, {"meta": {"result_count": 0}}), Reply(200, _page(range(120, 140))))
    stored, _ = run_collection(_extractor(server, policy), store, "x", "acme", "acme")
    new, owed = server.requests[0][1], server.requests[1][1]
    assert new["since_id"] == x_tweet(159)["id"]  # the newest first (finding 1) ...
    assert owed["since_id"] == cursor and owed["until_id"] == x_tweet(140)["id"]  # ... then below what was stored
    assert stored == 20 and store.count() == 50
    assert store.get_state("cursor:x:acme") == x_tweet(159)["id"]  # read through: the cursor moves on


def test_a_rate_limit_before_any_page_keeps_the_cursor(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    server.route(X_ARCHIVE, Reply(200, _page(range(100, 110))))
    run_collection(_extractor(server, policy), store, "x", "acme", "acme")
    server.route(X_ARCHIVE, LIMITED)
    with pytest.raises(RateLimited):
        run_collection(_extractor(server, policy), store, "x", "acme", "acme")
    assert store.get_state("cursor:x:acme") == x_tweet(109)["id"]
