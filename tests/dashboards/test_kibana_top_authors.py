"""Kibana's "Top authors by engagement" ranks accounts (a handle on one platform) as the web dashboard's top authors
do: one handle used on two platforms is two rows, never one row summing both. Real Elasticsearch node; the panel's
aggregations sent as Kibana sends them (its filters, its order, its sizes)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node)
from web_support import demo_db, demo_mentions, load_demo

from dashboards.kibana.build import build, load_spec
from indexing.base import Filters
from indexing.elasticsearch_mapping import mentions_mappings
from indexing.sqlite import SqliteStore

PANEL = "groundswell-top-authors"


def _panel() -> dict[str, Any]:
    (vis,) = [o for o in build(load_spec()) if o["id"] == PANEL]
    return vis


def _aggs(vis: dict[str, Any]) -> list[dict[str, Any]]:
    return json.loads(vis["attributes"]["visState"])["aggs"]


def _kibana_request(vis: dict[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
    """The aggregations Kibana sends for the table: its row levels nested, outer first, each ranked by its order
    metric, the metrics under every level (as Kibana writes an order agg); the levels' ids and the metrics' ids."""
    aggs = _aggs(vis)
    metrics = {a["id"]: {a["type"]: {"field": a["params"]["field"]}} for a in aggs
               if a["schema"] == "metric" and a["type"] != "count"}
    levels = [a for a in aggs if a["schema"] == "bucket"]
    request: dict[str, Any] = dict(metrics)
    for level in reversed(levels):
        p = level["params"]
        order = {"_count" if p["orderBy"] == "1" else p["orderBy"]: p["order"]}
        terms = {"field": p["field"], "size": p["size"], "order": order,
                 **({"missing": "__missing__"} if p["missingBucket"] else {})}
        request = {level["id"]: {"terms": terms, "aggs": request}, **metrics}
    return {k: v for k, v in request.items() if k not in metrics}, [lv["id"] for lv in levels], list(metrics)


def _table_page(vis: dict[str, Any], answer: dict[str, Any], levels: list[str], metrics: list[str]) -> list[tuple]:
    """The rows of the table's first page: one per innermost bucket (its keys, count, metrics), sorted as the
    saved uiState sorts them (a stable sort, as Kibana's data grid does), then the first `perPage`."""
    rows: list[tuple] = []

    def walk(buckets: list[dict[str, Any]], depth: int, keys: tuple) -> None:
        for b in buckets:
            if depth + 1 < len(levels):
                walk(b[levels[depth + 1]]["buckets"], depth + 1, (*keys, b["key"]))
            else:
                rows.append(((*keys, b["key"]), b["doc_count"], *(int(b[m]["value"]) for m in metrics)))

    walk(answer[levels[0]]["buckets"], 0, ())
    sort = json.loads(vis["attributes"]["uiStateJSON"]).get("vis", {}).get("params", {}).get("sort")
    if sort:  # the column index counts each level's column, then the count and the metrics
        column = sort["columnIndex"] - len(levels) + 1
        rows.sort(key=lambda r: r[column], reverse=sort["direction"] == "desc")
    return rows[: json.loads(vis["attributes"]["visState"])["params"]["perPage"]]


def _kibana_query(vis: dict[str, Any], extra: list[dict[str, Any]]) -> dict[str, Any]:
    """The query of the panel's enabled filters (the spam filter: must_not), plus `extra` (a KQL term a user adds)."""
    source = json.loads(vis["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    live = [f for f in source["filter"] if not f["meta"]["disabled"]]
    return {"bool": {"filter": [f["query"] for f in live if not f["meta"]["negate"]] + extra,
                     "must_not": [f["query"] for f in live if f["meta"]["negate"]]}}


def test_the_panel_has_a_row_per_source_and_handle_sorted_on_engagement():
    vis = _panel()
    aggs = _aggs(vis)
    levels = [a for a in aggs if a["schema"] == "bucket"]
    assert [a["params"]["field"] for a in levels] == ["source", "author.handle"]
    assert not levels[-1]["params"]["missingBucket"]  # the dashboard leaves out posts without an author
    (engagement,) = [a for a in aggs if a["type"] == "sum"]
    assert {a["params"]["orderBy"] for a in levels} == {engagement["id"]}
    # Columns: the levels', the count, then the metrics: the sort is on the engagement column.
    sort = json.loads(vis["attributes"]["uiStateJSON"])["vis"]["params"]["sort"]
    metric_columns = [a["id"] for a in aggs if a["schema"] == "metric"]
    assert sort == {"columnIndex": len(levels) + metric_columns.index(engagement["id"]), "direction": "desc"}
    props = mentions_mappings(language_analyzers=False, icu=False)["properties"]
    assert props["author"]["properties"]["handle"]["type"] == props["source"]["type"] == "keyword"


@pytest.mark.elasticsearch
@pytest.mark.parametrize("brand", [None, "Lumora"])
def test_the_panel_ranks_the_accounts_the_dashboard_ranks(es_url, brand):  # noqa: F811
    from indexing.elasticsearch import ElasticsearchStore  # lazy: only this test needs the client

    vis = _panel()
    aggs, levels, metrics = _kibana_request(vis)
    size = json.loads(vis["attributes"]["visState"])["params"]["perPage"]
    store = ElasticsearchStore(es_url, index_prefix=f"gs-ka-{uuid.uuid4().hex[:8]}")
    sqlite = SqliteStore(demo_db())
    try:
        load_demo(store)
        store.client.indices.refresh(index=store.alias)
        extra = [{"term": {"brands": brand}}] if brand else []
        answer = store.client.search(index=store.alias, size=0, query=_kibana_query(vis, extra), aggs=aggs)
        fields = [a["params"]["field"] for a in _aggs(vis) if a["schema"] == "bucket"]
        kibana = []  # (handle, source, mentions, engagement, followers), source None where the panel has none
        for keys, n, eng, fol in _table_page(vis, answer.body["aggregations"], levels, metrics):
            key = dict(zip(fields, keys, strict=True))
            kibana.append((key["author.handle"], key.get("source"), n, eng, fol))
        f = Filters(brand=brand)
        for dashboard_store in (store, sqlite):
            dashboard = [(a.handle, a.source if "source" in fields else None, a.mentions, a.engagement, a.followers)
                         for a in dashboard_store.top_authors(f, n=size)]
            assert kibana == dashboard, type(dashboard_store).__name__
        # The data has what the panel must keep apart: a handle of the ranking posting on two platforms.
        platforms: dict[str, set[str]] = {}
        for m in demo_mentions():
            if m.author.handle and (brand is None or brand in m.brands):
                platforms.setdefault(m.author.handle, set()).add(m.source)
        assert any(len(platforms[handle]) > 1 for handle, *_ in kibana)
    finally:
        delete_prefix(store.client, store.prefix)
        store.close()
        sqlite.close()
