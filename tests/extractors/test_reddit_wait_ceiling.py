"""prawcore's own pre-request wait (its RateLimiter sleeps until the window resets after `x-ratelimit-remaining: 0`;
Reddit's windows run up to 600 s) goes through the source's wait ceiling (`sources[].max_wait_s`,
`RetryPolicy.wait`): a reset past it ends the extraction at once with `RateLimited` naming the reset, a short one
under it is waited out. Real time.sleep (no `no_real_sleep` here: that would hide the wait), real praw against a
local HTTP stand-in."""

from __future__ import annotations

import time

import pytest
from extractor_support import Reply

from extractors.base import Window
from extractors.http import RateLimited, RetryPolicy
from extractors.reddit import RedditExtractor

OPTIONS = {"mode": "comments", "subreddits": ["acme"]}
ENV = {"REDDIT_CLIENT_ID": "i", "REDDIT_CLIENT_SECRET": "s"}


def _listing(*children, after=None) -> dict:
    return {"kind": "Listing", "data": {"after": after, "children": list(children)}}


def _comment(cid: str, ts: float) -> dict:
    return {"kind": "t1", "data": {"name": f"t1_{cid}", "id": cid, "body": "acme", "created_utc": ts, "author": "bob",
                                   "score": 1, "permalink": f"/r/acme/comments/1/_/{cid}/", "subreddit": "acme",
                                   "link_id": "t3_1", "parent_id": "t3_1"}}


def _serve(server, reset: int) -> None:
    """Page 1 uses up the window (remaining 0, resets in `reset` s); page 2 ends the listing."""
    server.route("/api/v1/access_token",
                 Reply(200, {"access_token": "t", "token_type": "bearer", "expires_in": 3600, "scope": "*"}))
    now = time.time()
    spent = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "100", "x-ratelimit-reset": str(reset)}
    server.route("/r/acme/comments",
                 Reply(200, _listing(_comment("b", now - 10), _comment("a", now - 20), after="t1_a"), spent),
                 Reply(200, _listing()))


def _extractor(server, max_wait: float) -> RedditExtractor:
    ex = RedditExtractor({**OPTIONS, "reddit_url": server.base, "oauth_url": server.base}, env=ENV)
    ex.retry = RetryPolicy(max_wait=max_wait)  # what build_extractor sets from sources[].max_wait_s
    return ex


def test_a_reset_past_the_ceiling_is_not_slept_on(server):
    _serve(server, reset=20)
    started = time.monotonic()
    with pytest.raises(RateLimited) as raised:
        for _batch in _extractor(server, max_wait=5).extract("acme", "acme", None, Window()):
            pass
    took = time.monotonic() - started
    assert took < 10, took  # before: prawcore slept the 20 s
    assert 15 <= raised.value.until.timestamp() - time.time() <= 21  # names the reset
    assert "max_wait_s of 5s" in str(raised.value)
    assert len([r for r in server.requests if r[0].startswith("/r/acme/comments")]) == 1


def test_a_short_reset_under_the_ceiling_is_waited_out(server):
    _serve(server, reset=2)
    started = time.monotonic()
    batches = list(_extractor(server, max_wait=5).extract("acme", "acme", None, Window()))
    took = time.monotonic() - started
    assert sum(len(b.mentions) for b in batches) == 2
    assert took >= 1.5, took  # really waited for the window
    assert len([r for r in server.requests if r[0].startswith("/r/acme/comments")]) == 2
