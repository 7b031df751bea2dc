"""`Filters.collected_since`: the posts stored or rewritten from a moment on (`Mention.collected_at`), what a
warehouse loading incrementally asks for. The same posts on both stores, to the millisecond (Elasticsearch's date
precision: a stored .1239 is .123 on both), with other filters (a brand's covered counts on SQLite) and without;
posts stored before the field existed (no `collected_at`) never match. Real stores: SQLite, and Elasticsearch on a
real node (tests/es_node.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from store_support import STORES, open_store

from core.mention import Mention
from indexing.base import Filters

T0 = datetime(2026, 11, 2, 10, tzinfo=UTC)
BOUND = datetime(2026, 11, 5, 12, 0, 0, 123_000, tzinfo=UTC)  # .123 exactly


@pytest.fixture(params=STORES)
def store(request, tmp_path):
    yield from open_store(request.param, request, tmp_path, prefix="gs-test-collected-since")


def _post(n: int, collected: datetime | None, brand: str = "Lumora", sentiment: str | None = None) -> Mention:
    return Mention(source="forum", native_id=str(n), text=f"{brand} post {n}", brands=[brand],
                   created_at=T0 + timedelta(hours=n), collected_at=collected)


POSTS = {
    # id -> (collected_at, brand); which match collected_since=BOUND is said in EXPECTED
    1: (None, "Lumora"),  # stored before the field existed
    2: (BOUND - timedelta(days=2), "Lumora"),
    3: (BOUND - timedelta(microseconds=1), "Lumora"),  # .122999: before, to the millisecond too
    4: (BOUND, "Lumora"),  # inclusive
    5: (BOUND + timedelta(microseconds=900), "Lumora"),  # .123900: cut to .123, so equal (SQLite's julianday rounds)
    6: (BOUND + timedelta(hours=1), "Lumora"),
    7: (BOUND + timedelta(days=3), "Halo"),
    8: (BOUND - timedelta(hours=5), "Halo"),
}
EXPECTED = {"forum:4", "forum:5", "forum:6", "forum:7"}


def _ids(store, filters: Filters) -> set[str]:
    return {m.id for m in store.iter_mentions(filters)}


def test_collected_since_selects_the_same_posts_on_every_read(store):
    assert all(r.ok for r in store.upsert([_post(n, c, b) for n, (c, b) in POSTS.items()]))
    if hasattr(store, "refresh"):
        store.refresh()
    since = Filters(collected_since=BOUND)
    assert _ids(store, since) == EXPECTED
    assert store.count(since) == len(EXPECTED)
    assert {h.mention.id for h in store.search(since, size=50).hits} == EXPECTED
    # With a brand (SQLite counts one brand from its brand rows alone unless a filter needs the document).
    lumora = since.replace(brand="Lumora")
    assert _ids(store, lumora) == EXPECTED - {"forum:7"}
    assert store.count(lumora) == 3 and store.facet(lumora, "brand") == {"Lumora": 3}
    assert store.count(Filters(collected_since=BOUND + timedelta(milliseconds=1), brand="Lumora")) == 1
    # With a post-time window too: both hold.
    window = since.replace(since=T0 + timedelta(hours=5), until=T0 + timedelta(hours=7))
    assert _ids(store, window) == {"forum:5", "forum:6"}
    assert _ids(store, Filters(collected_since=BOUND + timedelta(days=30))) == set()
