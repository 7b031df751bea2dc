"""Which Elasticsearch searches hold a point in time, on a real node (docs/elasticsearch.md, "Reads").

A search that may be paged in an order a re-collect can change (engagement, relevance) opens its point in time on
page one, and its last page closes it; a caller that reads one page (`page_on=False`: a theme card's samples)
opens none; the time orders page without one, and still list every post once, because a stored post's time never
changes. Counted per index: the node's other indices (other tests) do not count."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Engagement, Mention
from indexing.base import Filters
from indexing.elasticsearch import ElasticsearchStore
from indexing.elasticsearch_cursor import decode_cursor

pytestmark = pytest.mark.elasticsearch

MONTHS = [datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 4, 5, tzinfo=UTC), datetime(2026, 5, 5, tzinfo=UTC)]


def _posts(per_month: int = 10) -> list[Mention]:
    return [
        Mention(source="x", native_id=f"{m}-{i}", text=f"Acme post {m} {i}", brands=["acme"],
                created_at=start + timedelta(hours=i), engagement={"likes": 10 * m + i})
        for m, start in enumerate(MONTHS) for i in range(per_month)
    ]


def _open_contexts(store: ElasticsearchStore) -> dict[str, int]:
    """Open search contexts on this store's mention indices, per index."""
    stats = store.client.indices.stats(index=f"{store.prefix}-mentions-*", metric="search").body["indices"]
    return {name: s["total"]["search"]["open_contexts"] for name, s in stats.items()}


def _settled_contexts(store: ElasticsearchStore, seconds: float = 3.0) -> int:
    """Open search contexts once a plain search's own have been freed: a node under load frees a finished search's
    shard contexts a moment after it answers (seen as 1 on a loaded CI machine), while a point in time stays open
    for its keep-alive (minutes), so a few seconds' wait tells the two apart."""
    deadline = time.monotonic() + seconds
    while (n := sum(_open_contexts(store).values())) and time.monotonic() < deadline:
        time.sleep(0.2)
    return n


def test_a_page_read_alone_holds_nothing_and_a_paged_search_holds_its_snapshot_until_its_last_page(es_store):
    assert all(r.ok for r in es_store.upsert(_posts()))
    assert _settled_contexts(es_store) == 0

    alone = es_store.search(Filters(brand="acme"), size=3, sort="engagement", page_on=False)
    assert alone.next_cursor and "pit" not in decode_cursor(alone.next_cursor, {"engagement"})
    assert _settled_contexts(es_store) == 0  # a theme card's samples leave nothing open

    page = es_store.search(Filters(brand="acme"), size=3, sort="engagement")
    assert "pit" in decode_cursor(page.next_cursor, {"engagement"})  # Explore's page one: the snapshot starts here
    assert all(n >= 1 for n in _open_contexts(es_store).values())  # one per month's shard
    while page.next_cursor:
        page = es_store.search(Filters(brand="acme"), size=7, sort="engagement", cursor=page.next_cursor)
    assert _settled_contexts(es_store) == 0  # the last page closed it


def test_a_paged_search_of_a_period_holds_only_the_months_it_can_match(es_store):
    assert all(r.ok for r in es_store.upsert(_posts()))
    may = Filters(brand="acme", since=MONTHS[2])
    page = es_store.search(may, size=3, sort="engagement")
    assert page.total == 10 and page.next_cursor
    held = {name for name, n in _open_contexts(es_store).items() if n}
    assert held == {f"{es_store.prefix}-mentions-2026.05"}
    while page.next_cursor:
        page = es_store.search(may, size=3, sort="engagement", cursor=page.next_cursor)
    assert _settled_contexts(es_store) == 0


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_time_orders_page_without_a_snapshot_and_list_each_post_once_under_writes(es_store, sort):
    posts = _posts()
    assert all(r.ok for r in es_store.upsert(posts))
    first = es_store.search(Filters(brand="acme"), size=8, sort=sort)
    # Between the pages: every post re-collected with new counts (one with another time, which the store ignores:
    # the time it was first stored under stays), and posts older and newer than all of them arrive.
    again = [m.model_copy(update={"engagement": Engagement(likes=1000 - k)}) for k, m in enumerate(posts)]
    again[12] = again[12].model_copy(update={"created_at": again[12].created_at - timedelta(minutes=30)})
    older = Mention(source="x", native_id="older", text="Acme older", brands=["acme"],
                    created_at=MONTHS[0] - timedelta(days=1))
    newer = Mention(source="x", native_id="newer", text="Acme newer", brands=["acme"],
                    created_at=MONTHS[2] + timedelta(days=1))
    assert all(r.ok for r in es_store.upsert([*again, older, newer]))
    es_store._refresh()
    seen, cursor = [h.mention.id for h in first.hits], first.next_cursor
    while cursor:
        assert "pit" not in decode_cursor(cursor, {sort})
        assert _settled_contexts(es_store) == 0
        page = es_store.search(Filters(brand="acme"), size=8, sort=sort, cursor=cursor)
        seen += [h.mention.id for h in page.hits]
        cursor = page.next_cursor
    in_order = sorted(posts, key=lambda m: (m.created_at, m.id), reverse=sort == "newest")
    assert [i for i in seen if i not in (older.id, newer.id)] == [m.id for m in in_order]  # each once, in order
    # A post stored meanwhile is listed when it sorts after the position page one reached, never before it.
    after, before = (newer, older) if sort == "oldest" else (older, newer)
    assert seen.count(after.id) == 1 and before.id not in seen


def test_a_paged_search_whose_point_in_time_expired_goes_on_in_order_on_the_alias(es_store):
    """A point in time's pages carry its tie-breaker (`_shard_doc`) in their sort values; once it has expired (closed
    here, as its keep-alive would), the next page reads the alias, which has none: it must not be refused."""
    posts = _posts()
    assert all(r.ok for r in es_store.upsert(posts))
    first = es_store.search(Filters(brand="acme"), size=4, sort="engagement")
    es_store.client.close_point_in_time(id=decode_cursor(first.next_cursor, {"engagement"})["pit"])
    seen, cursor = [h.mention.id for h in first.hits], first.next_cursor
    while cursor:
        page = es_store.search(Filters(brand="acme"), size=4, sort="engagement", cursor=cursor)
        seen += [h.mention.id for h in page.hits]
        cursor = page.next_cursor
    assert seen == [m.id for m in sorted(posts, key=lambda m: -(m.engagement.likes or 0))]
