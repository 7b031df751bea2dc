"""Posts deleted on Reddit leave our copy: a re-collect that lists a stored comment as "[deleted]" (or a submission
whose body and author are gone) deletes the stored one and the state naming its author, through the pipeline's
collect path, against a local Reddit stand-in (a real HTTP server, praw's real client); a post a moderator removed
whose author is still named keeps its title."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from cli_config import write_config
from extractor_support import Reply

from extractors.base import Window
from groundswell.config import load_config
from groundswell.pipeline import collect, open_store

T = time.time() - 3600


def _listing(deleted: bool) -> dict:
    comment = {"name": "t1_c1", "id": "c1", "created_utc": T, "score": 3, "subreddit": "acme",
               "body": "[deleted]" if deleted else "Acme broke my phone, I am Jane from Lyon",
               "author": "[deleted]" if deleted else "jane_doe_lyon", "permalink": "/r/acme/comments/p1/_/c1/",
               "link_id": "t3_p1", "parent_id": "t3_p1"}
    post = {"name": "t3_p1", "id": "p1", "created_utc": T - 60, "score": 5, "num_comments": 1, "is_self": True,
            "title": "Acme support thread", "subreddit": "acme", "permalink": "/r/acme/comments/p1/_/",
            "selftext": "[removed]" if deleted else "Acme refund denied; order 4455",
            "author": "[deleted]" if deleted else "jane_doe_lyon"}  # praw reads "[deleted]" as None
    # Removed by a moderator, its author still named: the title is what they wrote, and stays (not a tombstone).
    modded = {"name": "t3_p2", "id": "p2", "created_utc": T - 30, "score": 1, "num_comments": 0, "is_self": True,
              "title": "Acme pricing question", "subreddit": "acme", "permalink": "/r/acme/comments/p2/_/",
              "selftext": "[removed]" if deleted else "Acme is it cheaper in May?", "author": "carol"}
    kept = {"name": "t1_c2", "id": "c2", "created_utc": T + 1, "score": 1, "subreddit": "acme", "body": "Acme is fine",
            "author": "bob", "permalink": "/r/acme/comments/p1/_/c2/", "link_id": "t3_p1", "parent_id": "t3_p1"}
    return {"kind": "Listing", "data": {"after": None, "children": [
        {"kind": "t1", "data": comment}, {"kind": "t3", "data": post}, {"kind": "t3", "data": modded},
        {"kind": "t1", "data": kept}]}}


@pytest.fixture
def reddit_config(server, tmp_path, monkeypatch):
    monkeypatch.setenv("REDDIT_CLIENT_ID", "id")
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "secret")
    server.route("/api/v1/access_token",
                 Reply(200, {"access_token": "t", "token_type": "bearer", "expires_in": 3600, "scope": "*"}))
    options = {"mode": "comments", "subreddits": ["acme"], "reddit_url": server.base, "oauth_url": server.base}
    path = write_config(tmp_path, brands=[{"name": "Acme", "query": "Acme"}],
                        sources=[{"type": "reddit", "options": options}])
    return load_config(path)


def test_a_recollect_of_deleted_posts_removes_the_stored_copies(server, reddit_config):
    config = reddit_config
    store = open_store(config)
    try:
        server.route("/r/acme/comments", Reply(200, _listing(deleted=False)))
        first = collect(config, store)
        assert first.created == 4 and store.state_items("copy:head:Acme:jane_doe_lyon")
        server.route("/r/acme/comments", Reply(200, _listing(deleted=True)))
        since = datetime.now(UTC) - timedelta(days=1)
        again = collect(config, store, window=Window(since, None), use_cursor=False)  # a backfill re-reads them
        assert again.deleted_upstream == 2 and again.created == 0
        assert store.get(["reddit:t1_c1", "reddit:t3_p1"]) == [] and [m.id for m in store.get(["reddit:t1_c2"])]
        assert [m.text for m in store.get(["reddit:t3_p2"])] == ["Acme pricing question"]
        named = {k: v for k, v in store.state_items("").items() if "jane" in k + v or "t1_c1" in v or "t3_p1" in v}
        assert set(named) <= {"cursor:reddit:Acme"}, named  # the cursor is Reddit's position, not her data
        assert not store.state_items("forgotten:")  # a platform's deletion blocks nothing: it is simply gone
        # Seen deleted again: nothing left to delete, nothing stored.
        third = collect(config, store, window=Window(since, None), use_cursor=False)
        assert third.deleted_upstream == 0 and third.created == 0
    finally:
        store.close()
