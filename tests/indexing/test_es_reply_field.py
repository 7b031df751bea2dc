"""`reply_to` on a real Elasticsearch node: stored and read back, and mapped on indices made before it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from store_support import es_index_without

from core.mention import Mention
from indexing.elasticsearch import ElasticsearchStore

pytestmark = pytest.mark.elasticsearch
T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_an_index_from_before_reply_to_takes_replies_after_open(es_url: str, prefix: str):
    from elasticsearch import Elasticsearch

    from indexing.elasticsearch_mapping import REPLY_FIELD

    client = Elasticsearch(es_url)
    old = Mention(source="x", native_id="1", text="acme broke", created_at=T0, brand="acme")
    es_index_without(client, prefix, REPLY_FIELD, old)

    store = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        reply = Mention(source="x", native_id="2", text="sorry", created_at=T0, brand="acme", reply_to=old.id)
        results = list(store.upsert([reply]))
        assert all(r.ok for r in results), results  # strict mappings refuse an unmapped field
        assert store.get([old.id, reply.id]) == [old, reply]
        assert store.get([old.id])[0].reply_to is None
    finally:
        store.close()
        client.close()
