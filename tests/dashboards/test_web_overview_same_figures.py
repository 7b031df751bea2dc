"""The overview's figures, computed the cheaper way, are the figures it showed before, for every combination of its
parameters (brand, period preset or dates, source, language, spam, zone) on a generated store.

Two parts of `/api/overview` no longer come from their own store query: each brand's share-of-voice count (once a
facet on "brand" over every compared brand's mentions, now the brand's mentions as the comparison counts them)
and "labelled by" (the facet on "model", now read from the `mentions_model_time` index). Each is checked here
against the query it came from before, run on the same store with the same filters; the rest of the answer is
computed as it was. On SQLite and on a real Elasticsearch node (share of voice is computed in the views, for
both)."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node)
from fastapi.testclient import TestClient

from core.mention import label_sources
from dashboards.web import views
from dashboards.web.app import create_app
from dashboards.web.params import parse_filters
from groundswell.period_report import MIN_SHARE_POSTS
from indexing.sqlite import SqliteStore
from tests.indexing.test_sqlite_model_facet import CORPUS, group_by_facet

BRANDS = [views.BrandInfo("acme"), views.BrandInfo("globex", competitor=True)]
PERIODS = ({"days": "7"}, {"days": "30"}, {}, {"since": "2026-05-03", "until": "2026-05-20"},
           {"since": "2026-05-20"}, {"since": "2026-04-01", "until": "2026-04-20"})  # the last: before every mention
FACETS = ({}, {"source": "x"}, {"source": "reddit"}, {"lang": "en"}, {"lang": "ru"},
          {"source": "mastodon", "lang": "en"})
MORE = ({}, {"spam": "include"}, {"tz": "Asia/Seoul"}, {"spam": "include", "tz": "America/Los_Angeles"})


@pytest.fixture(scope="module", params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request, tmp_path_factory):
    if request.param == "sqlite":
        s = SqliteStore(tmp_path_factory.mktemp("overview-same") / "g.db")
        assert all(r.ok for r in s.upsert(CORPUS))
        yield s
        s.close()
        return
    from indexing.elasticsearch import ElasticsearchStore  # lazy: only with a node (the elasticsearch param)

    prefix = f"gs-same-{uuid.uuid4().hex[:8]}"
    s = ElasticsearchStore(request.getfixturevalue("es_url"), index_prefix=prefix)
    try:
        assert all(r.ok for r in s.upsert(CORPUS))
        yield s
    finally:
        delete_prefix(s.client, prefix)
        s.close()


def model_facet_before(store, scope) -> dict[str, int]:
    """The model facet as "labelled by" read it before: SQLite's GROUP BY over the view's stored documents;
    Elasticsearch's facet, which did not change."""
    return group_by_facet(store, scope) if isinstance(store, SqliteStore) else store.facet(scope, "model")


@pytest.fixture(scope="module")
def client(store):
    with TestClient(create_app(store, BRANDS, alert_loader=list, newest_ttl_s=0), base_url="http://127.0.0.1") as c:
        yield c


def test_share_of_voice_and_labelled_by_are_the_figures_of_the_queries_they_came_from(client, store):
    names = [b.name for b in BRANDS]
    cases = [{**p, **f, **m} for p, f, m in itertools.product(PERIODS, FACETS, MORE)]
    assert len(cases) > 140
    shared = labelled = 0
    for brand in names:
        for params in cases:
            params = {"brand": brand, **params}
            response = client.get("/api/overview", params=params)
            assert response.status_code == 200, (params, response.text)
            body = response.json()
            asked = parse_filters(params, names, brand_required=True, tz=params.get("tz", "UTC"))
            scope = asked.replace(since=datetime.fromisoformat(body["period"]["since"]),
                                  until=datetime.fromisoformat(body["period"]["until"]))
            compared = tuple(row["brand"] for row in body["share_of_voice"])
            assert compared == tuple(names), params  # no markets here: every configured brand
            before = scope.replace(brand=None, brands=compared)
            by_brand = store.facet(before, "brand")  # the share-of-voice query of before, unchanged
            assert [row["count"] for row in body["share_of_voice"]] == [by_brand.get(n, 0) for n in compared], params
            total = sum(by_brand.get(n, 0) for n in compared)
            mine = by_brand.get(brand, 0)
            # no share of a market with fewer mentions than the reports' floor (period_report.MIN_SHARE_POSTS)
            assert body["totals"]["share_of_voice"] == (
                round(mine / total, 4) if total >= MIN_SHARE_POSTS else None), params
            assert body["labelled_by"] == label_sources(model_facet_before(store, scope)), params
            shared += total > 0
            labelled += sum(body["labelled_by"].values()) > 0
    # the combinations mostly have figures to compare, and their "labelled by" counts people and rules too
    assert shared > len(cases) and labelled > len(cases)
    whole = client.get("/api/overview", params={"brand": "acme", "since": "2026-05-01", "until": "2026-07-01"}).json()
    assert all(whole["labelled_by"][k] > 0 for k in ("model", "people", "rules")), whole["labelled_by"]
