"""The overview's changes against the previous period in real headless Chromium: each key-figure tile says
its change ("▲ 25.0% vs previous 7 days", or "no data before"), and the brands' table lists every brand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_server import live_server
from overview_compare_support import BRAND_CONFIGS, PREVIOUS_WEEK, THIS_WEEK, compare_mentions
from test_web_browser import CHROMIUM_ARGS, _ready, _require_or_skip, _shot, browser, expect, recording_page  # noqa: F401

from dashboards.web.app import create_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    from indexing.sqlite import SqliteStore

    store = SqliteStore(tmp_path_factory.mktemp("overview-compare-browser") / "g.db")
    assert all(r.ok for r in store.upsert(compare_mentions()))
    with live_server(create_app(store, BRAND_CONFIGS)) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.fixture
def page(browser, server):  # noqa: F811
    yield from recording_page(browser, server)


def _tile(page, key: str):
    return page.locator(f'#kpis .kpi .change[data-change="{key}"]')


def test_tiles_show_the_change_and_the_table_lists_every_brand(page):
    page.goto(f"/overview?brand=Lumora&since={THIS_WEEK['since']}&until={THIS_WEEK['until']}")
    _ready(page)
    expect(_tile(page, "mentions")).to_have_text("\u25b2 25.0% vs previous 7 days")
    # up in negative share is worse, down in net sentiment too: said in words, not by colour alone
    expect(_tile(page, "negative_share")).to_have_text("\u25b2 19.4 pts vs previous 7 days \u00b7 worse")
    expect(_tile(page, "net_sentiment")).to_have_text("\u25bc 36.1 pts vs previous 7 days \u00b7 worse")
    expect(_tile(page, "engagement")).to_have_text("\u25b2 25.0% vs previous 7 days")
    assert page.locator("#kpis .kpi").count() == 6  # no new tile: the changes sit inside the five figures
    rows = page.locator("#compare tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.locator("th")).to_have_text(["Lumora (shown above)", "\u2694\ufe0f Sonique competitor",
                                             "\u2694\ufe0f Vexa competitor"])
    sonique = page.locator('#compare tr[data-brand="Sonique"] td')
    expect(sonique.nth(0)).to_have_text("6\u25bc 50.0%")
    expect(sonique.nth(1)).to_have_text("16.7%\u25bc 33.3 pts \u00b7 better")
    vexa = page.locator('#compare tr[data-brand="Vexa"] td')
    # Vexa's mentions start on 8 March: no day of the previous week has its data, so "–" (the weekly report's
    # rule), the reason beside it (visible: no hover needed); share of voice too, for every brand (it needs every
    # brand's days)
    expect(vexa.nth(0)).to_have_text("4\u2013 data on 0 of its 7 days (Vexa's mentions start 2026-03-08), too few to "
                                     "compare with (under 7)")
    expect(vexa.nth(0).locator(".change")).to_have_attribute("title", "previous 7 days: data on 0 of its 7 days "
                                                             "(Vexa's mentions start 2026-03-08), too few to compare "
                                                             "with (under 7)")
    expect(vexa.nth(3)).to_contain_text("20.0%\u2013 share of voice: every brand compared has data on 0 of its 7 days")
    expect(page.locator("#coverage-note")).to_contain_text("share of voice: every brand compared has data on 0 of "
                                                          "its 7 days")
    expect(page.locator("#compare-span")).to_contain_text("previous 7 days")
    _shot(page, "overview-compare")
    assert page.errors == []


def test_the_tiles_say_no_data_before_when_the_previous_period_is_empty(page):
    page.goto(f"/overview?brand=Lumora&since={PREVIOUS_WEEK['since']}&until={PREVIOUS_WEEK['until']}")
    _ready(page)
    for key in ("mentions", "negative_share", "net_sentiment", "engagement", "reach"):
        expect(_tile(page, key)).to_have_text("\u2013 too few days with data before")
    # the reason once, under the tiles, in the weekly report's words
    expect(page.locator("#coverage-note")).to_contain_text(
        "data on 0 of its 7 days (Lumora's mentions start 2026-03-01), too few to compare with (under 7)")
    expect(page.locator("#compare tbody tr")).to_have_count(3)
    assert page.errors == []
