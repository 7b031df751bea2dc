"""Page cursors on a store with many monthly indices: short enough for the dashboard's URL, pages complete.

A point-in-time id names every index it spans, so with one index per month the cursor grew with the store's
age: a year of mentions (the dashboard bench, 14 indices) made a cursor over 2,000 characters, and Explore's second
page was refused (400: over `MAX_CURSOR_CHARS`). Paged by engagement, the order that keeps a point in time from
page one (a time order needs none: `indexing.elasticsearch._needs_snapshot`). On the real test node.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from core.mention import Engagement, Mention
from dashboards.web.params import MAX_CURSOR_CHARS
from indexing import elasticsearch_cursor
from indexing.base import Filters
from indexing.elasticsearch import ElasticsearchStore

pytestmark = pytest.mark.elasticsearch

T0 = datetime(2024, 1, 15, tzinfo=UTC)


def _monthly(months: int, per_month: int = 2, tag: str = "m") -> list[Mention]:
    """`per_month` posts in each of `months` consecutive months: one index each; the older, the more likes (so
    engagement order is time order)."""
    return [
        Mention(source="x", native_id=f"{tag}{m:02d}-{i}", text=f"Lumora post {m} {i}", brand="Lumora", lang="en",
                created_at=T0 + timedelta(days=31 * m, minutes=i),
                engagement=Engagement(likes=10_000 - m * per_month - i))
        for m in range(months) for i in range(per_month)
    ]


def _page_through(store: ElasticsearchStore, size: int, first_cursor_check=None) -> tuple[list[str], list[str]]:
    """Every page, most engaging first: the ids seen and each cursor handed out."""
    seen: list[str] = []
    cursors: list[str] = []
    cursor = None
    while True:
        page = store.search(Filters(brand="Lumora"), size=size, sort="engagement", cursor=cursor)
        seen += [h.mention.id for h in page.hits]
        if page.next_cursor is None:
            return seen, cursors
        cursors.append(page.next_cursor)
        if first_cursor_check is not None and len(cursors) == 1:
            first_cursor_check()
        cursor = page.next_cursor


def test_a_year_of_indices_keeps_its_point_in_time_in_a_short_cursor(es_store: ElasticsearchStore):
    posts = _monthly(14)
    assert all(r.ok for r in es_store.upsert(posts))

    def recollect() -> None:  # after page one: without the point in time these would shift later pages
        later = [p.model_copy(update={"engagement": Engagement(likes=50_000)}) for p in posts[-3:]]
        assert all(r.ok for r in es_store.upsert(later))

    seen, cursors = _page_through(es_store, size=5, first_cursor_check=recollect)
    assert seen == [p.id for p in posts]
    assert all(len(c) <= elasticsearch_cursor.MAX_CURSOR_CHARS for c in cursors), [len(c) for c in cursors]
    # Page one opens the point in time (the pages after read its snapshot), and every cursor carries it.
    assert all("pit" in elasticsearch_cursor.decode_cursor(c, {"engagement"}) for c in cursors)


def test_more_indices_than_a_cursor_can_name_page_on_the_alias(es_store: ElasticsearchStore):
    posts = _monthly(48, per_month=1)
    assert all(r.ok for r in es_store.upsert(posts))
    seen, cursors = _page_through(es_store, size=10)
    assert seen == [p.id for p in posts]
    assert all(len(c) <= elasticsearch_cursor.MAX_CURSOR_CHARS for c in cursors), [len(c) for c in cursors]
    assert not any("pit" in elasticsearch_cursor.decode_cursor(c, {"engagement"}) for c in cursors)
    # The point in time page one opened, which no cursor could carry, was closed, not left to expire.
    stats = es_store.client.indices.stats(index=es_store.alias, metric="search").body
    assert stats["_all"]["total"]["search"]["open_contexts"] == 0


def test_explore_pages_past_the_first_on_a_year_of_indices(es_store: ElasticsearchStore):
    """The dashboard's own route: page two of a search over 14 monthly indices answers 200, not 400."""
    from dashboards.web.app import create_app  # lazy: FastAPI's app only for this test
    from groundswell.config import BrandConfig  # lazy: as above

    posts = _monthly(14)
    assert all(r.ok for r in es_store.upsert(posts))
    app = create_app(es_store, [BrandConfig(name="Lumora", query="Lumora")])
    seen: list[str] = []
    with TestClient(app, base_url="http://127.0.0.1") as client:
        params: dict[str, object] = {"brand": "Lumora", "size": 6, "sort": "engagement"}
        while True:
            response = client.get("/api/search", params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            seen += [h["id"] for h in body["hits"]]
            if not body["next_cursor"]:
                break
            assert len(body["next_cursor"]) <= MAX_CURSOR_CHARS
            params["cursor"] = body["next_cursor"]
    assert seen == [p.id for p in posts]
