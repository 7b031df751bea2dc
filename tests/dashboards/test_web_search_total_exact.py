"""/api/search says when its total is a lower bound: the embedded store stops counting at TOTAL_CAP matches
(an exact count of a broad query takes seconds there: bench/search_total_count.py), Elasticsearch counts them all.
The two stores may give different totals for the same posts, but never silently: `total_exact` is false on the
capped one, on page one and on the pages its cursor reads. Real SQLite store, real Elasticsearch node."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node)
from fastapi.testclient import TestClient
from web_support import demo_app

from core.mention import Mention
from indexing.sqlite import TOTAL_CAP, SqliteStore

T0 = datetime(2026, 11, 5, tzinfo=UTC)
N = TOTAL_CAP + 50  # more matches than the embedded store counts


def serial_posts(n: int) -> list[Mention]:
    """`n` posts, each with its own model code under one prefix (`abc*` matches all of them)."""
    return [Mention(source="x", native_id=f"c{i}", text=f"Lumora model abc{i:05d} runs hot", brands=["Lumora"],
                    created_at=T0 + timedelta(minutes=i)) for i in range(n)]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def client(request, tmp_path_factory):
    if request.param == "sqlite":
        store = SqliteStore(tmp_path_factory.mktemp("total") / "serials.db")
        cleanup = store.close
    else:
        from indexing.elasticsearch import ElasticsearchStore  # lazy: only the Elasticsearch run needs the client

        store = ElasticsearchStore(request.getfixturevalue("es_url"), index_prefix=f"gs-total-{uuid.uuid4().hex[:8]}")

        def cleanup() -> None:
            delete_prefix(store.client, store.prefix)
            store.close()

    try:
        assert all(r.ok for r in store.upsert(serial_posts(N)))
        with TestClient(demo_app(store), base_url="http://127.0.0.1") as client:
            yield request.param, client
    finally:
        cleanup()


def _search(client: TestClient, **params) -> dict:
    response = client.get("/api/search", params={"size": 5, **params})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("q", ["abc*", "lumora AND NOT cold", None])  # exact prefilter, matcher-judged, no query
def test_a_total_over_the_cap_is_marked_a_lower_bound_on_every_page(client, q):
    kind, client = client
    first = _search(client, **({"q": q} if q else {}))
    second = _search(client, **({"q": q} if q else {}), cursor=first["next_cursor"])
    if kind == "sqlite":  # counted up to the cap, and said so
        assert [(p["total"], p["total_exact"]) for p in (first, second)] == [(TOTAL_CAP, False)] * 2
    else:  # Elasticsearch counts every match
        assert [(p["total"], p["total_exact"]) for p in (first, second)] == [(N, True)] * 2


def test_a_total_under_the_cap_is_exact_on_both_stores(client):
    _, client = client
    body = _search(client, q="abc0001*")  # abc00010 .. abc00019
    assert (body["total"], body["total_exact"]) == (10, True)
