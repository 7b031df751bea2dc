"""Top authors on Elasticsearch from the authors of most engagement (`indexing.elasticsearch_authors`): taken only
when its threshold test proves the answer exact, and then the same answer as counting every author.

Expected rankings are worked out here in plain Python from the posts written. On the real test node.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Author, Engagement, Mention
from indexing import elasticsearch_authors
from indexing.base import AuthorStat, Filters
from indexing.elasticsearch import ElasticsearchStore
from indexing.elasticsearch_mapping import month_index
from tests.indexing.filter_oracle import in_view

pytestmark = pytest.mark.elasticsearch

T0 = datetime(2026, 1, 10, tzinfo=UTC)
MONTHS = (1, 2, 3)


def _post(i: int, month: int, handle: str, likes: int, source: str = "x", followers: int = 10) -> Mention:
    return Mention(source=source, native_id=f"p{i}", text="Lumora", brands=["Lumora"],
                   created_at=T0.replace(month=month) + timedelta(minutes=i % 1000),
                   engagement=Engagement(likes=likes), author=Author(handle=handle, followers=followers))


def _expected(posts: list[Mention], f: Filters, n: int) -> list[AuthorStat]:
    """The ranking worked out in Python: per (handle, source) in the view, summed engagement, mentions, most
    followers; engagement, then mentions descending, then handle, then source."""
    stats: dict[tuple[str, str], AuthorStat] = {}
    for m in posts:
        if in_view(m, f) and m.author.handle:
            s = stats.setdefault((m.author.handle, m.source), AuthorStat(m.author.handle, m.source, 0, 0, 0))
            s.mentions += 1
            s.engagement += m.engagement.total
            s.followers = max(s.followers, m.author.followers or 0)
    return sorted(stats.values(), key=lambda a: (-a.engagement, -a.mentions, a.handle, a.source))[:n]


def _heavy_tailed() -> list[Mention]:
    """Each month 300 small authors (more than an index lists) and a few big ones; one big author posts in
    every month, another on two sources with the same figures (a tie the order must settle by source)."""
    posts: list[Mention] = []
    for month in MONTHS:
        for a in range(300):
            posts.append(_post(len(posts), month, f"small{month}_{a:03d}", a % 7))
        posts.append(_post(len(posts), month, "steady", 400, followers=10 * month))
    posts.append(_post(len(posts), 1, "big", 1000))
    posts.append(_post(len(posts), 2, "twin", 500, source="reddit"))
    posts.append(_post(len(posts), 2, "twin", 500, source="x"))
    posts.append(_post(len(posts), 3, "late", 300))
    posts.append(_post(len(posts), 3, "later", 300, source="bluesky"))
    return posts


def _threshold(store: ElasticsearchStore, f: Filters, n: int) -> list[AuthorStat] | None:
    return elasticsearch_authors.top_authors(lambda aggs: store._aggs(f, aggs), store._single_shard, n)


def test_a_heavy_tailed_period_is_answered_from_its_top_authors_exactly(es_store: ElasticsearchStore):
    posts = _heavy_tailed()
    assert all(r.ok for r in es_store.upsert(posts))
    views = [Filters(brand="Lumora"), Filters(since=T0.replace(month=2), until=T0.replace(month=4)),
             Filters(source="x")]
    for f in views:
        for n in (1, 3, 4):  # 3 splits the tie; in each view the 5th or 6th is a small author, which no bound beats
            expected = _expected(posts, f, n)
            assert _threshold(es_store, f, n) == expected, (f, n)  # proven exact: no composite read needed
            assert es_store.top_authors(f, n) == expected, (f, n)


def test_a_flat_period_is_counted_author_by_author(es_store: ElasticsearchStore):
    """Equal authors: no top list proves anything, so every pair is read (and the answer is still exact)."""
    posts = [_post(i, month, f"a{month}_{i:04d}", 5) for month in MONTHS for i in range(250 * month, 250 * month + 250)]
    assert all(r.ok for r in es_store.upsert(posts))
    f = Filters(brand="Lumora")
    assert _threshold(es_store, f, 10) is None
    assert es_store.top_authors(f, 10) == _expected(posts, f, 10)


def test_an_index_of_several_shards_is_not_trusted(es_store: ElasticsearchStore):
    """A month index made with two shards by hand: its list is merged from two shard lists, not exact, so the
    threshold test declines and every pair is read."""
    es_store.client.indices.create(index=month_index(es_store.prefix, T0.replace(month=2)),
                                   settings={"number_of_shards": 2, "number_of_replicas": 0})
    posts = _heavy_tailed()
    assert all(r.ok for r in es_store.upsert(posts))
    f = Filters(brand="Lumora")
    assert _threshold(es_store, f, 3) is None
    assert es_store.top_authors(f, 3) == _expected(posts, f, 3)


def test_every_author_listed_needs_no_bound(es_store: ElasticsearchStore):
    """Fewer authors than an index lists: every author is a candidate, so even equal figures are exact."""
    posts = [_post(i, month, f"a{i % 40:02d}", i % 3, source=("x", "reddit")[i % 2])
             for month in MONTHS for i in range(100 * month, 100 * month + 60)]
    assert all(r.ok for r in es_store.upsert(posts))
    f = Filters(brand="Lumora")
    by_pair: dict[tuple[str, str], int] = defaultdict(int)
    for m in posts:
        by_pair[(m.author.handle, m.source)] += 1
    assert len(by_pair) < elasticsearch_authors.PER_INDEX
    for n in (1, 10, 200):
        assert _threshold(es_store, f, n) == _expected(posts, f, n)
        assert es_store.top_authors(f, n) == _expected(posts, f, n)
