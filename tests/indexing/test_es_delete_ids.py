"""`ElasticsearchStore.delete_ids` on a real node: a mention id held in two monthly indices (an older version
stored a post again under the month of a corrected `created_at`) leaves every index, not only the first hit."""

from __future__ import annotations

from datetime import UTC, datetime

from core.mention import Author, Mention
from indexing.elasticsearch_mapping import doc_id, month_index


def _mention(n: int, when: datetime) -> Mention:
    return Mention(source="x", native_id=str(n), text=f"Acme post {n}", created_at=when, url=f"https://x.example/{n}",
                   author=Author(handle=f"user{n}"), lang="en")


def test_an_id_in_two_monthly_indices_is_deleted_from_both(es_store):
    nov, oct_ = datetime(2026, 11, 4, tzinfo=UTC), datetime(2026, 10, 4, tzinfo=UTC)
    posts = [_mention(1, nov), _mention(2, nov), _mention(3, oct_)]
    assert all(r.ok for r in es_store.upsert(posts))
    client = es_store.client
    for post in posts[:2]:  # each of the two November posts copied into October's index too
        body = client.get(index=month_index(es_store.prefix, nov), id=doc_id(post.id))["_source"]
        client.index(index=month_index(es_store.prefix, oct_), id=doc_id(post.id), document=body, refresh=True)
    ids = {"ids": {"values": [doc_id(p.id) for p in posts[:2]]}}
    assert client.count(index=es_store.alias, query=ids)["count"] == 4

    assert es_store.delete_ids([p.id for p in posts[:2]]) == 4

    assert client.count(index=es_store.alias, query=ids)["count"] == 0
    assert [m.id for m in es_store.get([p.id for p in posts])] == [posts[2].id]
