"""`intent` on a real Elasticsearch node: mapped on indices made before intent tags (migration step)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from store_support import es_index_without

from core.mention import Mention
from indexing.base import Filters
from indexing.elasticsearch import ElasticsearchStore

pytestmark = pytest.mark.elasticsearch
T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_an_index_from_before_intents_takes_intent_tags_after_open(es_url: str, prefix: str):
    from elasticsearch import Elasticsearch

    from indexing.elasticsearch_mapping import INTENT_FIELD

    client = Elasticsearch(es_url)
    old = Mention(source="x", native_id="1", text="acme broke", created_at=T0, brand="acme")
    es_index_without(client, prefix, INTENT_FIELD, old)

    store = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        question = Mention(source="x", native_id="2", text="how do I reset it?", created_at=T0, brand="acme",
                           intent="question")
        results = list(store.upsert([question]))
        assert all(r.ok for r in results), results  # strict mappings refuse an unmapped field
        store.client.indices.refresh(index=f"{prefix}-mentions")
        assert store.get([old.id])[0].intent is None
        assert [m.id for m in store.iter_mentions(Filters(intent="question"))] == [question.id]
        assert store.facet(Filters(), "intent") == {"question": 1, "unknown": 1}
    finally:
        store.close()
        client.close()
