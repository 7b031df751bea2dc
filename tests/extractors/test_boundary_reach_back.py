"""Scheduled runs (the window follows the cursor, as the ingest DAG runs them) of Reddit and RSS: a post dated just
before the boundary of two runs' windows that the listing or feed shows only after the first run (indexing or feed
lag) is collected by the second, which reaches back to the saved cursor (`Selector.reach_back_to`), as Hacker News
does. It was dropped as older than the second window while the cursor moved past it: lost for good. A real local
HTTP server; praw and feedparser as in production; a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from extractor_support import Reply
from reddit_replay import ENV

from extractors.base import Window
from extractors.reddit import RedditExtractor
from extractors.rss import RssExtractor
from extractors.state import CursorState
from indexing.sqlite import SqliteStore

T1 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)  # the boundary; recent: praw's windows are live
T0, T2 = T1 - timedelta(minutes=15), T1 + timedelta(minutes=15)
A, B, C = T1 - timedelta(minutes=5), T1 - timedelta(seconds=5), T1 + timedelta(minutes=5)


def _comment(name: str, when: datetime) -> dict:
    return {"kind": "t1", "data": {
        "name": f"t1_{name}", "id": name, "body": f"acme {name}", "created_utc": when.timestamp(), "author": "bob",
        "score": 1, "permalink": f"/r/acme/comments/1/_/{name}/", "subreddit": "acme", "link_id": "t3_1",
        "parent_id": "t3_1"}}  # fmt: skip


def _listing(*items: tuple[str, datetime]) -> Reply:
    return Reply(200, {"kind": "Listing", "data": {"after": None, "children": [_comment(n, t) for n, t in items]}})


def _feed(*items: tuple[str, datetime]) -> Reply:
    body = "".join(
        f"<item><title>acme {n}</title><guid>{n}</guid><pubDate>{t:%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>"
        for n, t in items
    )
    rss = f"<?xml version='1.0'?><rss version='2.0'><channel><title>f</title>{body}</channel></rss>"
    return Reply(200, rss, {"Content-Type": "application/rss+xml"})


def _reddit(mode):
    def make(server):
        options = {"mode": mode, "subreddits": ["acme"], "reddit_url": server.base, "oauth_url": server.base}
        return RedditExtractor(options, env=ENV)

    return make, f"/r/acme/{mode}", _listing


CASES = {
    "reddit comments": _reddit("comments"),
    "reddit search": _reddit("search"),
    "rss": (lambda server: RssExtractor({"urls": [server.base + "/f.xml"]}), "/f.xml", _feed),
}


def _run(extractor, store: SqliteStore, since: datetime, until: datetime) -> int:
    """One scheduled run as `pipeline.collect_one` does it; returns how many mentions it created."""
    cursors, created = CursorState(store), 0
    extractor.bind(store, "src")
    for batch in extractor.extract("b", "acme", cursors.get("src", "b"), Window(since, until, follows_cursor=True)):
        results = list(store.upsert(batch.mentions))
        assert all(r.ok for r in results)
        created += sum(r.created for r in results)
        if batch.cursor is not None:
            cursors.set("src", "b", batch.cursor)
    return created


@pytest.mark.parametrize("case", CASES)
def test_a_post_listed_after_the_run_whose_window_it_belongs_to_is_collected_by_the_next(server, policy, case):
    make, path, reply = CASES[case]
    token = {"access_token": "t", "token_type": "bearer", "expires_in": 3600, "scope": "*"}
    server.route("/api/v1/access_token", Reply(200, token))
    store = SqliteStore(":memory:")
    everything = [("C", C), ("B", B), ("A", A)]
    # B is dated in the first window but listed only from the second run on.
    runs = [((T0, T1), [("A", A)]), ((T1, T2), everything), ((T2, T2 + timedelta(minutes=15)), everything)]
    created = []
    for (since, until), listed in runs:
        server.route(path, reply(*listed))
        extractor = make(server)
        extractor.retry = policy
        created.append(_run(extractor, store, since, until))
    assert sorted(m.text for m in store.iter_mentions()) == ["acme A", "acme B", "acme C"]
    # B and C are new in the second run; the third run (same listing) and A read again count nothing as new.
    assert created == [1, 2, 0]
