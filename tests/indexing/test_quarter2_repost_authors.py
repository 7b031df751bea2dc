"""Top authors rank the engagement authors earned themselves: a repost carries the original's counts (X gives a
retweet the original's `public_metrics`), so a reposter is never credited with them (`core.mention.own_engagement`).
The same ranking on every store (SQLite, and Elasticsearch on the real test node)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from test_store_contract import STORES, _open_store

from core.mention import Author, Engagement, Mention
from indexing.base import Filters, Store

T0 = datetime(2015, 8, 6, 12, tzinfo=UTC)


@pytest.fixture(params=STORES)
def empty_store(request, tmp_path) -> Iterator[Store]:
    yield from _open_store(request.param, request, tmp_path)


def _post(i: int, handle: str, text: str, likes: int, **extra: object) -> Mention:
    return Mention(source="x", native_id=f"q{i}", text=text, brands=["Lumora"], extra=dict(extra),
                   created_at=T0 + timedelta(minutes=i), engagement=Engagement(likes=likes),
                   author=Author(handle=handle))


def test_a_retweeter_is_not_credited_with_the_originals_engagement(empty_store: Store) -> None:
    posts = [
        _post(1, "maker", "Lumora has Cam hands", 20),
        _post(2, "fan", "RT @maker: Lumora has Cam hands", 278),  # the original's counts, written as an RT
        _post(3, "fan2", "rt  @maker@mastodon.social: Lumora ok", 105),  # case, spaces, a fediverse handle
        _post(4, "fan3", "Lumora again", 94, repost_of="x:q1"),  # marked as a repost
        _post(5, "plain", "Lumora RT @maker: not a prefix", 7),  # not a repost: earns its own
    ]
    assert all(r.ok for r in empty_store.upsert(posts))
    top = empty_store.top_authors(Filters(brand="Lumora"), n=5)
    assert [(a.handle, a.engagement, a.mentions) for a in top] == [
        ("maker", 20, 1), ("plain", 7, 1), ("fan", 0, 1), ("fan2", 0, 1), ("fan3", 0, 1)]
    # with a text query (SQLite's exact-matcher path) the same rule
    top = empty_store.top_authors(Filters(brand="Lumora", text="lumora"), n=2)
    assert [(a.handle, a.engagement) for a in top] == [("maker", 20), ("plain", 7)]


@pytest.mark.elasticsearch
def test_documents_from_before_the_field_get_it_on_open(es_store) -> None:
    """An index written before `own_engagement` existed: `add_own_engagement` (run on every open) fills it."""
    from indexing.elasticsearch_mapping import OWN_ENGAGEMENT_FIELD, doc_id, month_index, to_document
    from indexing.elasticsearch_migrate import add_own_engagement

    posts = [_post(1, "maker", "Lumora news", 20), _post(2, "fan", "RT @maker: Lumora news", 278)]
    for m in posts:  # as an older version wrote them: without the field
        doc = to_document(m)
        doc.pop(OWN_ENGAGEMENT_FIELD)
        es_store.client.index(index=month_index(es_store.prefix, m.created_at), id=doc_id(m.id), document=doc,
                              refresh=True)
    assert add_own_engagement(es_store) == 2
    top = es_store.top_authors(Filters(brand="Lumora"), n=2)
    assert [(a.handle, a.engagement) for a in top] == [("maker", 20), ("fan", 0)]
    assert add_own_engagement(es_store) == 0  # once done, nothing to fill
