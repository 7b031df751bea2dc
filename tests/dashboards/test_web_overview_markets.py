"""The overview's share of voice per market (`brands[].market`): the selected brand's mentions over those of its
market's brands, and the pie and the comparison of that market only; without markets, every brand as before.
A real SQLite store behind the real app (`/api/overview`), checked against counts of the seeded list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from dashboards.web.app import create_app
from groundswell.config import parse_config
from tests.markets_corpus import BRANDS, MARKETS, WEEK_END, WEEK_START, brand_configs, count, mentions, share, stored

CORPUS = mentions()
PREVIOUS = (WEEK_START - timedelta(weeks=1), WEEK_START)
PARAMS = {"since": WEEK_START.isoformat(), "until": WEEK_END.isoformat()}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    yield from stored(tmp_path_factory)


def _overview(store, markets: bool, brand: str) -> dict:
    app = create_app(store, parse_config({"brands": brand_configs(markets)}))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        response = client.get("/api/overview", params={**PARAMS, "brand": brand})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("brand", list(BRANDS))
def test_share_of_voice_is_of_the_selected_brands_market(store, brand):
    body = _overview(store, markets=True, brand=brand)
    peers = MARKETS[brand]
    assert body["totals"]["share_of_voice"] == share(CORPUS, brand, peers, WEEK_START, WEEK_END)
    assert body["totals"]["previous"]["share_of_voice"] == share(CORPUS, brand, peers, *PREVIOUS)
    assert body["share_of_voice"] == [
        {"brand": p, "competitor": BRANDS[p][1], "count": count(CORPUS, p, WEEK_START, WEEK_END)} for p in peers]
    rows = {r["brand"]: r for r in body["comparison"]}
    assert list(rows) == list(peers)
    assert {p: rows[p]["current"]["share_of_voice"] for p in peers} == {
        p: share(CORPUS, p, peers, WEEK_START, WEEK_END) for p in peers}
    assert sum(rows[p]["current"]["share_of_voice"] for p in peers) == pytest.approx(1, abs=1e-3)
    assert body["market"] == {"name": "Korea" if "Solbit" in peers else "Italy", "brands": list(peers)}


def test_without_markets_every_brand_counts_as_before(store):
    body = _overview(store, markets=False, brand="Solbit")
    every = list(BRANDS)
    assert body["totals"]["share_of_voice"] == share(CORPUS, "Solbit", every, WEEK_START, WEEK_END)
    assert body["totals"]["previous"]["share_of_voice"] == share(CORPUS, "Solbit", every, *PREVIOUS)
    assert [r["brand"] for r in body["share_of_voice"]] == [r["brand"] for r in body["comparison"]] == every
    assert {r["brand"]: r["current"]["share_of_voice"] for r in body["comparison"]} == {
        b: share(CORPUS, b, every, WEEK_START, WEEK_END) for b in every}
    assert body["market"] == {"name": None, "brands": every}  # the shared market: every configured brand
