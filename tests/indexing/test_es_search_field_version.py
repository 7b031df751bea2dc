"""Indices written with an older search document (`text_folded`, format 1) are brought up to the current one
on open: the versioned search field is mapped and filled, and the old field never leaks into a Mention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Mention
from indexing.base import Filters
from indexing.elasticsearch import ElasticsearchStore
from indexing.elasticsearch_mapping import SEARCH_FIELD, mentions_mappings, month_index, to_document

pytestmark = pytest.mark.elasticsearch

T0 = datetime(2026, 5, 1, tzinfo=UTC)
OLD_FIELD = "text_folded"  # format 1: folded tokens only, no #tag/@handle tokens


def test_format_1_indices_get_the_current_search_field_on_open(es_url: str, prefix: str) -> None:
    from elasticsearch import Elasticsearch

    assert SEARCH_FIELD != OLD_FIELD
    client = Elasticsearch(es_url)
    old_mappings = mentions_mappings(language_analyzers=False)
    old_mappings["properties"][OLD_FIELD] = old_mappings["properties"].pop(SEARCH_FIELD)
    docs = [
        Mention(source="x", native_id=f"old{i}", text=text, created_at=T0 + timedelta(minutes=i), brand="acme")
        for i, text in enumerate(["acme #ad sponsored", "a new ad campaign", "Купил шоколад Алёнка"])
    ]
    index = month_index(prefix, T0)
    client.indices.create(index=index, mappings=old_mappings, aliases={f"{prefix}-mentions": {}})
    for m in docs:  # as format 1 wrote them: the old field only (its content: what queries must not read)
        source = to_document(m)
        del source[SEARCH_FIELD]
        source[OLD_FIELD] = "stale"
        client.index(index=index, id=m.id, document=source, refresh=True)

    store = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        assert [m.native_id for m in store.iter_mentions(Filters(text="#ad"))] == ["old0"]
        assert [m.native_id for m in store.iter_mentions(Filters(text="аленка"))] == ["old2"]
        assert store.get([docs[0].id]) == [docs[0]]  # neither search field leaks into the Mention
    finally:
        store.close()
        client.close()
