"""Kibana's "Top themes" panel counts each post once per brand: main themes only, never its aspect as a peer bar,
and each brand's own (indexing/elasticsearch_themes.py `main_themes`). Real Elasticsearch node."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node)

from core.mention import Mention, Sentiment
from dashboards.kibana.build import build, load_spec
from indexing.base import Filters
from indexing.elasticsearch import ElasticsearchStore

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _post(i: int, brands: list[str], brand_themes: dict[str, list[str]]) -> Mention:
    return Mention(
        source="x", native_id=f"k{i}", created_at=T0 + timedelta(hours=i), text=f"post {i}", brands=brands,
        lang="en", sentiment=Sentiment(label="neutral", probs={"neutral": 1.0}, model="test"),
        themes=list(dict.fromkeys(t for v in brand_themes.values() for t in v)), brand_themes=brand_themes,
    )


# Most posts carry a main theme and one of its aspects (1,891 of the demo's 2,066 Lumora posts), some name two brands.
CORPUS = [
    *(_post(i, ["Lumora"], {"Lumora": ["battery", "battery › overheating"]}) for i in range(6)),
    *(_post(10 + i, ["Lumora"], {"Lumora": ["price"]}) for i in range(3)),
    *(_post(20 + i, ["Lumora", "Sonique"], {"Lumora": ["battery", "battery › charging"], "Sonique": ["price"]})
      for i in range(2)),
    _post(30, ["Sonique"], {"Sonique": ["sound", "sound › bass"]}),
]


def _panel_field() -> tuple[str, int]:
    (vis,) = [o for o in build(load_spec()) if o["id"] == "groundswell-top-themes"]
    rows = [a for a in json.loads(vis["attributes"]["visState"])["aggs"] if a.get("schema") == "bucket"][0]  # rows
    return rows["params"]["field"], rows["params"]["size"]


@pytest.mark.elasticsearch
def test_the_top_themes_panel_counts_main_themes_once_per_brand(es_url):  # noqa: F811
    field, size = _panel_field()
    store = ElasticsearchStore(es_url, index_prefix=f"gs-kt-{uuid.uuid4().hex[:8]}")
    try:
        assert all(r.ok for r in store.upsert(CORPUS))
        store.client.indices.refresh(index=store.alias)
        answer = store.client.search(index=store.alias, size=0, aggs={"t": {"terms": {"field": field, "size": size}}})
        bars = {b["key"]: b["doc_count"] for b in answer.body["aggregations"]["t"]["buckets"]}
        # One bar per brand's main theme; a post counts once for each brand that themed it, never for an aspect.
        assert bars == dict(Counter(f"{b} › {v[0]}" for m in CORPUS for b, v in m.brand_themes.items()))
        for brand in ("Lumora", "Sonique"):
            mine = sum(n for key, n in bars.items() if key.startswith(f"{brand} › "))
            assert mine == store.count(Filters(brand=brand))  # every post of the corpus has a main theme
    finally:
        delete_prefix(store.client, store.prefix)
        store.close()
