"""A rate limit past the wait ceiling on page 3 of 4 loses nothing: X, Hacker News and Reddit hand out their
cursor only after every page of a run (pages before it carry none), so the stopped run saves no cursor past them
(X saves the range it still owes below the stored pages, a `Backlog`, as a max_pages stop does) and the
next run reads the pages again; the ids are stable, so every post is stored once. Real HTTP (tweepy, praw,
requests against a local server), a real SQLite store, the pipeline's store-then-save-cursor loop."""

from __future__ import annotations

import time

import pytest
from extractor_support import X_ARCHIVE, Reply, run_collection, x_tweet
from reddit_replay import ENV as REDDIT_ENV
from reddit_replay import reddit_comment

from extractors.hackernews import HackerNewsExtractor
from extractors.http import RateLimited, RetryPolicy
from extractors.reddit import RedditExtractor
from extractors.state import Backlog
from extractors.x import XExtractor
from indexing.sqlite import SqliteStore

LIMITED = Reply(429, {"message": "slow down"}, {"Retry-After": "3600"})
PAGES, PER_PAGE = 4, 10  # X asks for at least 10 a page


def _x_pages() -> list[Reply]:
    minutes = list(range(PAGES * PER_PAGE))[::-1]  # newest first, as X answers
    chunks = [minutes[i:i + PER_PAGE] for i in range(0, len(minutes), PER_PAGE)]
    return [Reply(200, {"data": [x_tweet(m) for m in chunk],
                        "meta": {"result_count": PER_PAGE, **({"next_token": f"p{i + 2}"} if i + 1 < PAGES else {})}})
            for i, chunk in enumerate(chunks)]


def _hn_pages() -> list[Reply]:
    now = int(time.time()) - 3600
    return [Reply(200, {"hits": [{"objectID": f"{p}-{i}", "title": f"Acme story {p}-{i}",
                                  "created_at_i": now - (p * PER_PAGE + i) * 60, "author": "ann", "_tags": ["story"]}
                                 for i in range(PER_PAGE)], "nbPages": PAGES, "nbHits": PAGES * PER_PAGE, "page": p})
            for p in range(PAGES)]


def _reddit_pages() -> list[Reply]:
    now = time.time() - 3600
    pages = []
    for p in range(PAGES):
        ids = [f"c{p * PER_PAGE + i}" for i in range(PER_PAGE)]
        children = [reddit_comment(cid, now - int(cid[1:]) * 60) for cid in ids]
        after = f"t1_{ids[-1]}" if p + 1 < PAGES else None
        pages.append(Reply(200, {"kind": "Listing", "data": {"after": after, "children": children}}))
    return pages


SOURCES = {
    "x": (X_ARCHIVE, _x_pages, lambda base: XExtractor(
        {"api_base_url": base, "endpoint": "all", "max_results": PER_PAGE, "max_pages": 10},
        env={"X_BEARER_TOKEN": "t"})),
    "hackernews": ("/api/v1/search_by_date", _hn_pages, lambda base: HackerNewsExtractor(
        {"base_url": base, "hits_per_page": PER_PAGE, "max_pages": 10})),
    "reddit": ("/r/acme/comments", _reddit_pages, lambda base: RedditExtractor(
        {"mode": "comments", "subreddits": ["acme"], "reddit_url": base, "oauth_url": base, "limit": 100},
        env=REDDIT_ENV)),
}


@pytest.mark.parametrize("source", list(SOURCES))
def test_a_rate_limit_on_page_3_of_4_loses_nothing_next_run(server, tmp_path, source):
    path, pages, build = SOURCES[source]
    store = SqliteStore(tmp_path / "g.db")
    token = Reply(200, {"access_token": "t", "token_type": "bearer", "expires_in": 3600, "scope": "*"})

    def run(*replies: Reply):
        server.reset()
        server.route("/api/v1/access_token", token)
        server.route(path, *replies)
        extractor = build(server.base)
        extractor.retry = RetryPolicy(max_wait=60, sleep=lambda s: None)  # the default ceiling; 3600 is past it
        return run_collection(extractor, store, source, "acme", "acme")

    first = pages()
    with pytest.raises(RateLimited):
        run(first[0], first[1], LIMITED)
    assert len([r for r in server.requests if r[0] == path]) == 3  # the third page was refused
    # Pages 1-2 stored (X, HN: a batch a page; Reddit stores a batch per 100 items, so none yet) ...
    assert store.count() == (0 if source == "reddit" else 2 * PER_PAGE)
    cursor = store.get_state(f"cursor:{source}:acme")
    if source == "x":  # ... X saves what it owes below them, as a max_pages stop does (surge finding 3)
        assert Backlog.decode(cursor) == Backlog(None, x_tweet(20)["id"], x_tweet(39)["id"])
    else:
        assert cursor is None  # ... and no cursor past them: pages 3-4 still owed

    stored, _ = run(*pages())
    assert stored == PAGES * PER_PAGE and store.count() == PAGES * PER_PAGE  # all four pages, each post once
    assert store.get_state(f"cursor:{source}:acme") is not None
    store.close()
