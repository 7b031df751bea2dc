"""The overview names the market its share-of-voice pie is of (`brands[].market`), in real headless Chromium on
the real app over a real SQLite store of tests/markets_corpus.py; `/api/meta` says each brand's market. Without
markets, the heading and the meta are as before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from live_server import live_server
from test_web_browser import CHROMIUM_ARGS, _ready, _shot, browser, expect, recording_page  # noqa: F401

from dashboards.web.app import create_app
from groundswell.config import parse_config
from indexing.sqlite import SqliteStore
from tests.markets_corpus import WEEK_END, WEEK_START, brand_configs, stored

pytestmark = pytest.mark.browser

PERIOD = f"since={WEEK_START}&until={WEEK_END}"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Iterator[SqliteStore]:
    yield from stored(tmp_path_factory)


def _app(store: SqliteStore, markets: bool):
    return create_app(store, parse_config({"brands": brand_configs(markets)}), alert_loader=list)


@pytest.fixture(scope="module", params=[True, False], ids=["markets", "no-markets"])
def served(request, store) -> Iterator[tuple[str, bool]]:
    with live_server(_app(store, request.param)) as port:
        yield f"http://127.0.0.1:{port}", request.param


@pytest.fixture
def page(browser, served):  # noqa: F811
    yield from recording_page(browser, served[0])


def _heading(page):
    return page.locator("#chart-sov").locator("xpath=ancestor::div[contains(@class,'card')][1]").locator("h2")


@pytest.mark.parametrize(("brand", "named"), [("Solbit", "Korea \u2014 Solbit, Dalbit"),
                                              ("Bellavita", "Italy \u2014 Ferrucci, Bellavita")])
def test_the_share_of_voice_heading_names_the_selected_brands_market(page, served, brand, named):
    page.goto(f"/overview?brand={brand}&{PERIOD}")
    _ready(page)
    expected = f"\U0001F4E3 Share of voice (market: {named})" if served[1] else "\U0001F4E3 Share of voice"
    expect(_heading(page)).to_have_text(expected)
    if served[1] and brand == "Solbit":
        _shot(page, "overview-share-of-voice-market")
    assert page.errors == []


def test_the_heading_follows_a_change_of_brand(page, served):
    page.goto(f"/overview?brand=Solbit&{PERIOD}")
    _ready(page)
    page.locator("#f-brand").select_option("Ferrucci")
    page.locator("#filters button[type=submit], #filters input[type=submit]").first.click()
    page.wait_for_selector("body[data-loads='2']", timeout=20_000)
    expected = " (market: Italy \u2014 Ferrucci, Bellavita)" if served[1] else ""
    expect(_heading(page)).to_have_text("\U0001F4E3 Share of voice" + expected)
    assert page.errors == []


@pytest.mark.parametrize("markets", [True, False])
def test_meta_says_each_brands_market_as_the_config_first_spells_it(store, markets):
    with TestClient(_app(store, markets), base_url="http://127.0.0.1") as client:
        brands = client.get("/api/meta").json()["brands"]
    if markets:
        # Dalbit's config says "korea": one market with Solbit's "Korea", named as first spelt.
        assert brands == [{"name": "Solbit", "competitor": False, "market": "Korea"},
                          {"name": "Dalbit", "competitor": True, "market": "Korea"},
                          {"name": "Ferrucci", "competitor": False, "market": "Italy"},
                          {"name": "Bellavita", "competitor": True, "market": "Italy"}]
    else:
        assert brands == [{"name": n, "competitor": c} for n, c in
                          (("Solbit", False), ("Dalbit", True), ("Ferrucci", False), ("Bellavita", True))]
