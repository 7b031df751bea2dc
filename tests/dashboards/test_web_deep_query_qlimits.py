"""Deeply nested queries the parser accepts (querypro finding 3): the same answer on SQLite and on a real
Elasticsearch node, or, where Elasticsearch's own nesting limit leaves no way to ask it, a 400 that says what to
flatten; never a 500."""

from __future__ import annotations

import uuid

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node)
from fastapi.testclient import TestClient
from web_support import BRANDS, demo_db, demo_mentions, load_demo

from core.query import parse
from dashboards.web.app import create_app
from groundswell.config import BrandConfig
from indexing.base import Filters
from indexing.elasticsearch_mapping import SEARCH_FIELD
from indexing.elasticsearch_query import MAX_QUERY_DEPTH, QueryTooDeep, query_depth, to_elasticsearch
from indexing.sqlite import SqliteStore

BRAND_CONFIGS = [BrandConfig(name=n, query=n, competitor=c) for n, c in BRANDS]

# The report's queries: 16 levels of `NOT (… OR`, and 30 NOTs in a row (both within the dashboard's term caps).
NOT_OR = "battery AND " + "NOT (smoke OR " * 16 + "charging" + ")" * 16
NOTS = "NOT " * 30 + "battery"
NOTS_ODD = "NOT " * 31 + "battery"


def alternating(levels: int, inner: str = "charging") -> str:
    """`(battery AND (w1 OR (battery AND … inner)))`: each group a different operator, so none flattens away."""
    return "".join(f"(w{i} OR " if i % 2 else "(battery AND " for i in range(levels)) + inner + ")" * levels


@pytest.fixture(scope="module", params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request):
    if request.param == "sqlite":
        store = SqliteStore(demo_db())
        yield store
        store.close()
        return
    url = request.getfixturevalue("es_url")
    from indexing.elasticsearch import ElasticsearchStore

    prefix = f"gs-qlimits-{uuid.uuid4().hex[:8]}"
    store = ElasticsearchStore(url, index_prefix=prefix)
    try:
        load_demo(store)
        yield store
    finally:
        delete_prefix(store.client, prefix)
        store.close()


@pytest.fixture(scope="module")
def client(store):
    with TestClient(create_app(store, BRAND_CONFIGS), base_url="http://127.0.0.1") as client:
        yield client


@pytest.mark.parametrize("q", [NOT_OR, NOTS, NOTS_ODD, alternating(20)])
def test_deep_queries_answer_what_the_matcher_finds_on_both_stores(client, store, q):
    parse(q)  # the parser accepts each
    expected = sum(parse(q).matches(m.text, m.lang) for m in demo_mentions())
    res = client.get("/api/search", params={"q": q, "since": "2000-01-01", "size": 1})
    assert res.status_code == 200, res.text
    assert res.json()["total"] == store.count(Filters(text=q)) == expected
    assert expected > 0


def test_deepest_accepted_translation_runs_on_elasticsearch(client, store):
    """The deepest query the compiler lets through is one the node answers, replies-only wrapping included."""
    deepest = alternating(MAX_QUERY_DEPTH - 1)
    assert query_depth(to_elasticsearch(parse(deepest), folded=True)) == MAX_QUERY_DEPTH
    res = client.get("/api/search", params={"q": deepest, "since": "2000-01-01", "size": 1})
    assert res.status_code == 200, res.text
    assert res.json()["total"] == store.count(Filters(text=deepest)) > 0
    assert list(store.iter_rows(Filters(text=deepest), replies_only=True)) == []


def test_too_deep_for_elasticsearch_is_a_400_naming_the_fix(client, store):
    q = alternating(30)
    parse(q)  # within the parser's 32 levels
    res = client.get("/api/search", params={"q": q, "since": "2000-01-01", "size": 1})
    if isinstance(store, SqliteStore):
        assert res.status_code == 200, res.text  # SQLite has no such limit
        return
    assert res.status_code == 400, res.text
    assert res.json()["param"] == "q"
    assert "nests too deeply for Elasticsearch" in res.json()["error"]
    with pytest.raises(QueryTooDeep):
        store.count(Filters(text=q))


def test_double_not_and_not_or_add_no_level():
    """NOT NOT x compiles as x; NOT (a OR b) under an AND as two must_not clauses of that AND."""
    assert to_elasticsearch(parse("NOT NOT battery")) == to_elasticsearch(parse("battery"))
    clause = to_elasticsearch(parse("battery AND NOT (smoke OR NOT charging)"))
    assert query_depth(clause) == 2
    assert clause["bool"]["must_not"] == [to_elasticsearch(parse("smoke"))]
    assert to_elasticsearch(parse("charging")) in clause["bool"]["must"]


def test_the_limit_is_the_nodes_own_with_replies_only_adding_no_level(store):
    """Review dnative finding 3: the store's bool is the one level a query is wrapped in (replies only adds its
    condition to it), so the compiler refuses only what the node would refuse. Before, a limit of 28 refused
    `alternating(28)` (29 levels), which the node answers."""
    from indexing.elasticsearch_rows import replies_only

    assert MAX_QUERY_DEPTH == 29
    at_limit = to_elasticsearch(parse(alternating(MAX_QUERY_DEPTH - 1)), text_field=SEARCH_FIELD, folded=True)
    assert query_depth(at_limit) == MAX_QUERY_DEPTH
    wrapped = {"bool": {"filter": [{"term": {"source": "x"}}], "must": [at_limit]}}
    assert query_depth(replies_only(wrapped)) == query_depth(wrapped) == MAX_QUERY_DEPTH + 1
    with pytest.raises(QueryTooDeep):
        to_elasticsearch(parse(alternating(MAX_QUERY_DEPTH)), folded=True)
    if isinstance(store, SqliteStore):
        return
    from elasticsearch import BadRequestError

    # The boundary is the node's: the refused query (30 levels) in the store's bool is what the node refuses too.
    too_deep = {"bool": {"filter": [{"exists": {"field": "id"}}],
                         "must": [_unchecked(alternating(MAX_QUERY_DEPTH))]}}
    assert query_depth(too_deep) == MAX_QUERY_DEPTH + 2
    with pytest.raises(BadRequestError):
        store.client.count(index=store.alias, query=too_deep)
    one_less = {"bool": {"filter": [{"exists": {"field": "id"}}], "must": [at_limit]}}
    assert store.client.count(index=store.alias, query=replies_only(one_less))["count"] == 0  # answered
    assert store.client.count(index=store.alias, query=one_less)["count"] == store.count(
        Filters(text=alternating(MAX_QUERY_DEPTH - 1), include_spam=True)) > 0


def _unchecked(q: str) -> dict:
    """`to_elasticsearch` of `q` without its depth check (to send the node what the compiler refuses)."""
    from indexing import elasticsearch_query

    saved = elasticsearch_query.MAX_QUERY_DEPTH
    elasticsearch_query.MAX_QUERY_DEPTH = 1000
    try:
        return to_elasticsearch(parse(q), text_field=SEARCH_FIELD, folded=True)
    finally:
        elasticsearch_query.MAX_QUERY_DEPTH = saved
