"""`intent` on a real Elasticsearch node: mapped on indices made before intent tags (migration step)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from es_node import delete_prefix

from core.mention import Mention
from indexing.base import Filters
from indexing.elasticsearch import ElasticsearchStore

pytestmark = pytest.mark.elasticsearch
T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.fixture
def prefix(es_url: str):
    from elasticsearch import Elasticsearch

    name = f"gs-test-{uuid.uuid4().hex[:8]}"
    yield name
    client = Elasticsearch(es_url)
    delete_prefix(client, name)
    client.close()


def test_an_index_from_before_intents_takes_intent_tags_after_open(es_url: str, prefix: str):
    from elasticsearch import Elasticsearch

    from indexing.elasticsearch_mapping import INTENT_FIELD, mentions_mappings, month_index, to_document

    client = Elasticsearch(es_url)
    old_mappings = mentions_mappings(language_analyzers=False)
    del old_mappings["properties"][INTENT_FIELD]  # as the previous version made its indices
    index = month_index(prefix, T0)
    client.indices.create(index=index, mappings=old_mappings, aliases={f"{prefix}-mentions": {}})
    old = Mention(source="x", native_id="1", text="acme broke", created_at=T0, brand="acme")
    source = to_document(old)
    del source[INTENT_FIELD]
    client.index(index=index, id=old.id, document=source, refresh=True)

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
