"""Reddit through praw against a real local server: a backfill asks Reddit's search for a time filter that reaches
its window (a fixed `week` made a window 20-30 days ago collect nothing, silently); a window beyond what is asked
or listed is said, as X says a window beyond its recent search; a 401 without WWW-Authenticate (prawcore's
`KeyError: 401`) is a clear credentials error, not a traceback."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from extractor_support import Reply
from reddit_replay import ENV

from extractors.base import SourceError, Window
from extractors.reddit import RedditExtractor
from extractors.reddit_reach import time_filter_for

NOW = datetime.now(UTC)


def _post(name: str, when: datetime) -> dict:
    return {"kind": "t3", "data": {"name": f"t3_{name}", "id": name, "title": f"acme {name}", "selftext": "",
                                   "created_utc": when.timestamp(), "author": "bob", "score": 1, "num_comments": 0,
                                   "permalink": f"/r/acme/comments/{name}/_/", "subreddit": "acme"}}  # fmt: skip


def _listing(*posts: dict) -> Reply:
    return Reply(200, {"kind": "Listing", "data": {"after": None, "children": list(posts)}})


@pytest.fixture
def reddit(server, policy):
    server.route("/api/v1/access_token", Reply(200, {"access_token": "t", "token_type": "bearer", "expires_in": 3600,
                                                     "scope": "*"}))  # fmt: skip

    def make(**options):
        ex = RedditExtractor({"reddit_url": server.base, "oauth_url": server.base, **options}, env=ENV)
        ex.retry = policy
        return ex

    return make


def test_a_backfill_older_than_a_week_asks_for_a_filter_that_reaches_it(server, reddit):
    recent, old = _post("new", NOW - timedelta(days=2)), _post("old", NOW - timedelta(days=25))
    server.route("/r/all/search", _listing(recent, old))
    window = Window(NOW - timedelta(days=30), NOW - timedelta(days=20))
    batches = list(reddit().extract("b", "acme", None, window))
    (asked,) = [params for path, params in server.requests if path == "/r/all/search"]
    assert asked["t"] == "year"  # 30 days back: more than a month of 28 days
    assert [m.native_id for b in batches for m in b.mentions] == ["t3_old"]


@pytest.mark.parametrize(
    ("age", "expected"),
    [(timedelta(minutes=15), "hour"), (timedelta(hours=3), "day"), (timedelta(days=6), "week"),
     (timedelta(days=20), "month"), (timedelta(days=200), "year"), (timedelta(days=800), "all"), (None, "week")],
)  # fmt: skip
def test_the_time_filter_is_the_narrowest_that_reaches_the_start(age, expected):
    assert time_filter_for(None if age is None else NOW - age, NOW) == expected


def test_a_time_filter_set_by_hand_that_does_not_reach_the_window_is_said(server, reddit, caplog):
    server.route("/r/all/search", _listing())
    with caplog.at_level(logging.WARNING, "groundswell.extractors.reddit"):
        list(reddit(time_filter="week").extract("b", "acme", None, Window(NOW - timedelta(days=30), NOW)))
    (asked,) = [params for path, params in server.requests if path == "/r/all/search"]
    assert asked["t"] == "week"
    assert "before the time_filter 'week' reaches" in caplog.text


def test_a_listing_that_ends_before_the_window_start_is_said(server, reddit, caplog):
    posts = [_post(str(i), NOW - timedelta(hours=i + 1)) for i in range(5)]
    server.route("/r/acme/new", _listing(*posts))
    window = Window(NOW - timedelta(days=30), NOW)
    with caplog.at_level(logging.WARNING, "groundswell.extractors.reddit"):
        batches = list(reddit(mode="new", subreddits=["acme"], limit=5).extract("b", "acme", None, window))
    assert len([m for b in batches for m in b.mentions]) == 5
    assert "r/acme gave 5 items" in caplog.text and "the posts between are out of reach" in caplog.text


def test_a_401_without_www_authenticate_is_a_credentials_error(server, reddit):
    server.route("/r/acme/comments", Reply(401, {"message": "Unauthorized", "error": 401}))
    with pytest.raises(SourceError, match=r"Reddit refused the app credentials: check \$REDDIT_CLIENT_ID") as failed:
        list(reddit(mode="comments", subreddits=["acme"]).extract("b", "acme", None, Window()))
    assert all(secret not in str(failed.value) for secret in ENV.values())
