"""One bad item from any source is one skipped item: the shared `Selector` never lets it stop the source."""

from __future__ import annotations

import pytest
from extractor_support import Reply
from reddit_replay import ENV, reddit_comment

from extractors.base import Window
from extractors.reddit import RedditExtractor


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # praw paces itself with time.sleep


def test_a_timestamp_out_of_range_skips_that_post_only(server, policy):
    # created_utc 1e20 makes datetime.fromtimestamp raise OverflowError, which the Selector did
    # not catch: the whole Reddit source stopped on this one comment.
    server.route(
        "/api/v1/access_token",
        Reply(200, {"access_token": "t", "token_type": "bearer", "expires_in": 3600, "scope": "*"}),
    )
    page = {"kind": "Listing", "data": {"after": None, "children": [
        reddit_comment("a", 1_700_000_000.0), reddit_comment("b", 1e20), reddit_comment("c", 1_700_000_002.0)]}}
    server.route("/r/acme/comments", Reply(200, page))
    extractor = RedditExtractor(
        {"mode": "comments", "subreddits": ["acme"], "reddit_url": server.base, "oauth_url": server.base}, env=ENV
    )
    extractor.retry = policy
    batches = list(extractor.extract("acme", "acme", None, Window()))
    assert sorted(m.native_id for b in batches for m in b.mentions) == ["t1_a", "t1_c"]
    skipped = [s for b in batches for s in b.skipped]
    assert len(skipped) == 1 and skipped[0].startswith("reddit item t1_b: malformed (OverflowError")
