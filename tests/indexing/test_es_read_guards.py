"""Elasticsearch reads on a real node: an answer from part of the index is an error, never a short number; a
post whose id is longer than an `_id` lands (and a store copy holding one completes); a one-page search leaves
no point in time open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from core.mention import Mention
from dashboards.web.app import create_app
from groundswell.config import BrandConfig
from groundswell.store_copy import copy_store
from indexing.base import Filters, StoreUnavailable
from indexing.elasticsearch import ElasticsearchStore
from indexing.elasticsearch_mapping import MAX_ID_BYTES, month_index
from indexing.elasticsearch_shards import QueryTooBroad
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.elasticsearch
OLD = datetime(2025, 3, 10, 12, tzinfo=UTC)  # a past month: the current month's index answers beside it


def _post(nid: str, text: str, at: datetime = OLD) -> Mention:
    return Mention(source="x", native_id=nid, text=text, created_at=at, brands=["Lumora"])


def _max_clauses(store: ElasticsearchStore) -> int:
    """The node's `indices.query.bool.max_clause_count`: Elasticsearch sizes it from the heap (64 KiB a clause)."""
    nodes = store.client.nodes.stats(metric="jvm").body["nodes"].values()
    return min(n["jvm"]["mem"]["heap_max_in_bytes"] for n in nodes) // 65536


def test_a_prefix_too_broad_inside_a_phrase_is_a_clear_error_not_zero(es_store: ElasticsearchStore):
    # One post holding more distinct abc… words than a span_multi may expand: the month's shard refuses the
    # phrase and NEAR, the current month's empty shard answers 0, and that 0 used to be the count.
    words = " ".join(f"abc{i:06d}" for i in range(_max_clauses(es_store) + 500))
    assert all(r.ok for r in es_store.upsert([_post("1", f"Lumora model {words}"), _post("2", "Lumora abc1 hot")]))
    for text in ('"model abc*"', "abc* NEAR/2 lumora"):
        with pytest.raises(QueryTooBroad, match=r"too broad.*mentions-2025\.03.*narrow it"):
            es_store.count(Filters(text=text))
        with pytest.raises(QueryTooBroad):
            es_store.search(Filters(text=text), size=5)
    assert es_store.count(Filters(text="abc*")) == 2  # alone a prefix has no such limit
    # The dashboard says so: a 400 for the user to narrow, never 200 with 0.
    app = create_app(es_store, [BrandConfig(name="Lumora", query="Lumora")])
    with TestClient(app, base_url="http://127.0.0.1") as client:
        answer = client.get("/api/search", params={"q": '"model abc*"', "since": "2025-03-01", "until": "2025-04-01"})
    assert answer.status_code == 400 and "narrow it" in answer.json()["error"] and answer.json()["param"] == "q"


def test_a_closed_month_is_an_error_for_every_read_not_a_smaller_number(es_store: ElasticsearchStore):
    posts = [_post(str(i), "Lumora battery", OLD + timedelta(days=40 * (i % 2))) for i in range(6)]
    assert all(r.ok for r in es_store.upsert(posts)) and es_store.count(Filters()) == 6
    closed = month_index(es_store.prefix, OLD)
    es_store.client.indices.close(index=closed)
    try:
        reads = {
            "count": lambda: es_store.count(Filters()),
            "search": lambda: es_store.search(Filters(), size=2),
            "totals": lambda: es_store.totals(Filters()),
            "facet": lambda: es_store.facet(Filters(), "lang"),
            "iter_mentions": lambda: list(es_store.iter_mentions(Filters())),
            "get": lambda: es_store.get(["x:0"]),
        }
        for read in reads.values():
            with pytest.raises(StoreUnavailable, match=closed):
                read()
    finally:
        es_store.client.indices.open(index=closed, wait_for_active_shards="1")


def test_an_id_longer_than_elasticsearch_allows_lands_and_copies(es_store: ElasticsearchStore, tmp_path):
    url = "https://www.example.com/news/2026/11/13/" + "lumora-battery-recall-" * 30 + "?utm_source=feed"
    long = Mention(source="brandwatch", native_id=url, text="Lumora recalls the Pulse", created_at=OLD)
    assert len(long.id.encode()) > MAX_ID_BYTES
    sqlite = SqliteStore(tmp_path / "g.db")
    try:
        assert all(r.ok for r in sqlite.upsert([long, _post("short", "Lumora hot")]))
        sqlite.set_state("cursor:import", "42")
        report = copy_store(sqlite, es_store, source_name="sqlite", target_name="es", batch=10)
        assert report.complete and (report.copied, report.failed, report.state_copied) == (2, 0, 1)
        assert [m.id for m in es_store.get([long.id])] == [long.id]
        assert [h.mention.id for h in es_store.search(Filters(text="recalls"), size=5).hits] == [long.id]
        # Written again (a re-collect): the same document, merged, not a second one.
        again = list(es_store.upsert([long.model_copy(update={"text": "Lumora recalls the Pulse again"})]))
        assert [(r.id, r.ok, r.created) for r in again] == [(long.id, True, False)]
        assert es_store.count(Filters()) == 2 and es_store.get([long.id])[0].text.endswith("again")
    finally:
        sqlite.close()


def _open_contexts(store: ElasticsearchStore) -> int:
    nodes = store.client.nodes.stats(metric="indices", index_metric="search").body["nodes"].values()
    return sum(n["indices"]["search"]["open_contexts"] for n in nodes)


def test_a_one_page_search_leaves_no_point_in_time_open(es_store: ElasticsearchStore):
    posts = [_post(str(i), "Lumora battery", OLD + timedelta(minutes=i)) for i in range(9)]
    assert all(r.ok for r in es_store.upsert(posts))
    before = _open_contexts(es_store)
    for _ in range(10):  # a theme card's samples: one page of 3, more exist, never paged on
        assert es_store.search(Filters(), size=3).next_cursor
    assert _open_contexts(es_store) == before
    # A caller that pages on gets every post once, and the last page closes the point in time it opened.
    ids, cursor = [], None
    while True:
        page = es_store.search(Filters(), size=2, cursor=cursor)
        ids += [h.mention.id for h in page.hits]
        if not (cursor := page.next_cursor):
            break
    assert sorted(ids) == sorted(m.id for m in posts) and _open_contexts(es_store) == before
