"""The four dashboard pages in real headless Chromium (Debian's package), driven by Playwright.

Install the browser with `scripts/install_chromium.sh`. Screenshots are saved to
`test-artifacts/screenshots/` for people (and CI) to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import live_server
from web_support import demo_app, demo_db

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GROUNDSWELL_CHROMIUM", "/usr/bin/chromium")
SHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _require_or_skip(ok: bool, reason: str) -> None:
    # tests/conftest.py::require_or_skip (a conftest cannot be imported by name from here).
    if ok:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + "; CI=true, so this must not be skipped")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The dashboard on the demo data, served by a real uvicorn on a free local port."""
    from indexing.sqlite import SqliteStore

    store = SqliteStore(demo_db())
    app = demo_app(store)
    with live_server(app) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.fixture(scope="module")
def browser():
    _require_or_skip(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: run scripts/install_chromium.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require_or_skip(False, "playwright is not installed: pip install playwright")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A laptop-sized page that records console errors (a CSP violation or a JS error fails the test)."""
    yield from recording_page(browser, server, accept_downloads=True)


def recording_page(browser, server: str, height: int = 768, **options):
    """A laptop-sized page (1366 x `height`) on `server` whose console errors and page errors collect in
    `page.errors`, closed after the test: the body of every browser test file's `page` fixture (`options` go to
    the context)."""
    context = browser.new_context(viewport={"width": 1366, "height": height}, base_url=server, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def expect(locator):
    # Playwright's auto-retrying assertions; they need no eval, which the dashboard's CSP forbids.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _ready(page) -> None:
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)


def loaded(page, loads: int = 1) -> None:
    """Wait until the page has finished its `loads`-th data load (body[data-loads]): after a reload or a filter
    change, `_ready` is already true."""
    page.wait_for_selector(f"body[data-loads='{loads}']", timeout=30_000)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky filter bar sits at the top of a full-page shot
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _chart_texts(page, chart_id: str) -> list[str]:
    """Every label plotly drew in a chart (SVG text has no innerText, so read textContent)."""
    return page.evaluate(
        "(id) => Array.from(document.querySelectorAll('#' + id + ' svg text')).map((t) => t.textContent)", chart_id
    )


def _expected_console_errors(page) -> list[str]:
    # A 4xx the page provoked on purpose is logged by Chromium as a failed resource load.
    return [e for e in page.errors if "status of 400" not in e]


def test_overview_renders_charts_and_applies_a_filter(page):
    page.goto("/overview")
    _ready(page)
    for chart in ("chart-volume", "chart-net", "chart-sov", "chart-source", "chart-lang"):
        assert page.locator(f"#{chart} svg.main-svg").count() >= 1, chart
    assert page.locator("#chart-volume .bars path").count() > 10  # real bars drawn
    assert page.locator("#kpis .kpi").count() == 6
    assert page.locator("#authors tbody tr").count() == 10
    expect(page.locator("#models-note")).to_be_hidden()  # one model build labelled all of it
    mentions_before = page.locator("#kpis .kpi").first.inner_text()
    _shot(page, "overview")

    page.select_option("select[name=lang]", "ko")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/overview?*lang=ko*")
    page.wait_for_selector("body[data-loads='2']")
    assert page.locator("#kpis .kpi").first.inner_text() != mentions_before
    labels = _chart_texts(page, "chart-lang")
    assert "ko" in labels and "en" not in labels and "zh" not in labels
    _shot(page, "overview-ko")
    assert _expected_console_errors(page) == []


def test_explore_search_highlight_paging_and_bad_query(page):
    page.goto("/explore")
    _ready(page)
    page.fill("input[name=q]", "battery AND (overheating OR 과열)")
    page.select_option("select[name=sentiment]", "negative")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/explore?*q=battery*")
    page.wait_for_selector("body[data-loads='2']")
    page.wait_for_selector("#results li.mention mark")
    first_page = page.locator("#results li.mention").count()
    assert first_page == 20
    marks = {t.lower() for t in page.locator("#results mark").all_inner_texts()}
    assert marks <= {"battery", "overheating", "과열"} and "battery" in marks
    link = page.locator("#results li.mention a.out").first
    assert link.get_attribute("href").startswith("https://")
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert "sentiment=negative" in page.locator("#export-csv").get_attribute("href")
    page.click("#more")
    expect(page.locator("#results li.mention")).to_have_count(40)
    _shot(page, "explore")

    with page.expect_download() as download:
        page.click("#export-csv")
    assert download.value.suggested_filename == "groundswell-mentions.csv"

    page.fill("input[name=q]", "battery AND (charging OR")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#error:not([hidden])")
    assert "column 23" in page.locator("#error").inner_text()
    assert page.get_attribute("input[name=q]", "aria-invalid") == "true"
    assert page.locator("#results li.mention").count() == 0 and page.locator("#more").is_hidden()
    _shot(page, "explore-bad-query")
    assert _expected_console_errors(page) == []


def test_themes_page(page):
    page.goto("/themes")
    _ready(page)
    assert page.locator("#chart-recurring svg.main-svg").count() >= 1
    assert page.locator("#chart-rising svg.main-svg").count() >= 1
    assert "battery overheating" in _chart_texts(page, "chart-rising")
    assert page.locator("#theme-samples .card[data-theme='battery overheating'] li.mention").count() >= 1
    _shot(page, "themes")
    assert _expected_console_errors(page) == []


def test_alerts_page_and_link_to_explore(page):
    page.goto("/alerts")
    _ready(page)
    assert page.locator("#chart-alerts svg.main-svg").count() >= 1
    cards = page.locator("#alert-list li.alert-card")
    assert cards.count() == 2
    assert all(cards.nth(i).get_attribute("data-incident") for i in range(2))  # incident badge per card
    critical = page.locator("#alert-list li.alert-card.critical")
    assert "38 negative mentions" in critical.inner_text()
    assert critical.locator("li.mention").count() == 3
    _shot(page, "alerts")
    critical.locator("a[href^='/explore']").click()
    page.wait_for_url("**/explore?*")
    _ready(page)
    page.wait_for_selector("#results li.mention")
    assert page.locator("#results li.mention.negative").count() == page.locator("#results li.mention").count()
    assert "2026-11-11T14:00" in page.evaluate("location.search").replace("%3A", ":")
    assert _expected_console_errors(page) == []
