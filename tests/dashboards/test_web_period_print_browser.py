"""The period in the URL is the period on screen, and every page's charts fit a printed page, in real headless
Chromium on the demo store (tests/dashboards/web_support.py) served by a real uvicorn.

The s63 diff review: a `days=30` link, then custom dates or "auto", kept `days=30` in the URL (the form's control
for it is the Period select, `preset`, so the old URL value was copied): Reload, Back and the header links opened
30 days again (/tmp/diffreview-web-s63/daysbug.py, auto.py). And only the Overview fitted its charts to the
printed width: Themes and Alerts charts were cut at the page's edge (printt.py).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from test_web_browser import browser, expect, loaded, recording_page, server  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, server):  # noqa: F811
    yield from recording_page(browser, server)


_ready = loaded  # the nth data load, not only the first (test_web_browser.loaded)


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


@pytest.mark.parametrize("path", ["/overview", "/explore"])
def test_custom_dates_replace_an_old_days_in_the_url(page, path):
    page.goto(f"{path}?brand=Lumora&days=30")
    _ready(page)
    page.fill("input[name=since]", "2026-11-01")
    page.dispatch_event("input[name=since]", "change")
    page.fill("input[name=until]", "2026-11-05")
    page.dispatch_event("input[name=until]", "change")
    page.click("#filters button[type=submit]")
    _ready(page, 2)
    query = _query(page)
    assert "days" not in query and query["since"] == ["2026-11-01"], page.url
    assert "days=" not in page.get_attribute("header nav a[href^='/themes']", "href")
    page.reload()
    _ready(page)
    expect(page.locator("select[name=preset]")).to_have_value("custom")
    expect(page.locator("input[name=since]")).to_have_value("2026-11-01")
    expect(page.locator("input[name=until]")).to_have_value("2026-11-05")
    assert page.errors == []


def test_auto_replaces_an_old_days_in_the_url_and_back_restores_it(page):
    page.goto("/overview?brand=Lumora&days=30")
    _ready(page)
    page.select_option("select[name=preset]", "")
    page.click("#filters button[type=submit]")
    _ready(page, 2)
    assert "days" not in _query(page) and _query(page)["brand"] == ["Lumora"], page.url
    page.reload()
    _ready(page)
    expect(page.locator("select[name=preset]")).to_have_value("")
    page.go_back()
    _ready(page, 2)
    expect(page.locator("select[name=preset]")).to_have_value("30")
    assert page.errors == []


@pytest.mark.parametrize("path", ["/themes?days=30", "/alerts?days=30", "/overview?brand=Lumora&days=7"])
def test_every_pages_charts_fit_the_printed_width(page, path):
    page.goto(path)
    _ready(page)
    page.wait_for_timeout(300)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1000})  # an A4 page's printable width
    page.wait_for_timeout(800)
    state = page.evaluate("""() => ({
      charts: Array.from(document.querySelectorAll('.js-plotly-plot')).map((c) => ({ id: c.id,
        width: c._fullLayout.width, svg: c.querySelector('svg.main-svg').getBoundingClientRect().right })),
      page: document.documentElement.clientWidth })""")
    assert state["charts"], state
    for chart in state["charts"]:
        assert chart["width"] <= 680 and chart["svg"] <= state["page"] + 0.5, (chart, state["page"])
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_timeout(800)
    widths = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map((c) => c._fullLayout.width)")
    assert max(widths) > 680, widths  # back to the screen's width after printing
    assert page.errors == []
