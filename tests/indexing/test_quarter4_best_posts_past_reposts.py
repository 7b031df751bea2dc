"""`groundswell.digest.best_posts` finds originals past a wall of reposts (dquarter finding 1): on X a retweet
carries the original's counts, so on a reposts-heavy day (the GOP debate stream) the top of the engagement order
is all reposts; the digest's "Most engaging posts" and the report's "Top negative posts" must still list the
originals. On both stores, since each pages the engagement order its own way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from store_support import STORES, open_store

from core.mention import Author, Engagement, Mention
from groundswell.digest import best_posts
from indexing.base import Filters, Store

T0 = datetime(2015, 8, 7, tzinfo=UTC)
REPOSTS = 620  # more than one page of BEST_POSTS_PAGE, all outranking every original


@pytest.fixture(params=STORES)
def store(request, tmp_path) -> Iterator[Store]:
    yield from open_store(request.param, request, tmp_path, "gs-q4-best")


def _posts() -> list[Mention]:
    reposts = [
        Mention(source="x", native_id=f"rt{i}", text=f"RT @star: Trump said {i % 7}",
                created_at=T0 + timedelta(seconds=i), brand="Trump", author=Author(handle=f"fan{i}"),
                engagement=Engagement(reposts=1000 + i))
        for i in range(REPOSTS)
    ]
    originals = [
        Mention(source="x", native_id=f"o{i}", text=f"Trump original {i}",
                created_at=T0 + timedelta(hours=1, seconds=i), brand="Trump", author=Author(handle=f"writer{i}"),
                engagement=Engagement(likes=likes))
        for i, likes in enumerate([40, 7, 90, 0])
    ]
    return reposts + originals


def test_best_posts_reads_past_reposts(store: Store):
    assert all(r.ok for r in store.upsert(_posts()))
    best = best_posts(store, Filters(brand="Trump"), 3)
    assert [(m.author.handle, m.engagement.total) for m in best] == [("writer2", 90), ("writer0", 40), ("writer1", 7)]
