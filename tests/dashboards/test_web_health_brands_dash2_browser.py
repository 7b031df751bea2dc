"""A grouped health row's brands can be read without a mouse: the collection notice above every page lists them in
a <details> of the row's own ("All 5 brands"), which a keyboard focuses and opens; they were in a hover `title`
only, which neither a keyboard nor a touch screen shows. Real health records in a real SQLite store, served, in
headless Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from live_server import live_server
from playwright.sync_api import expect
from test_web_browser import CHROMIUM_ARGS, _ready, _require_or_skip, browser, recording_page  # noqa: F401

from dashboards.web.app import create_app
from groundswell.config import parse_config
from groundswell.health import source_key
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.browser

BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli"]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("health-brands")
    config = parse_config({"brands": [{"name": n, "query": n} for n in BRANDS],
                           "sources": [{"type": "hackernews", "name": "hn"}],
                           "store": {"path": str(folder / "g.db")}})
    store = SqliteStore(folder / "g.db")
    hour = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    for n in BRANDS:  # refused for every brand: one row "hn", failing for 5 brands
        store.set_state(source_key("hn", n), json.dumps({
            "source": "hn", "type": "hackernews", "brand": n, "last_attempt": hour, "last_success": None,
            "items_ever": True, "last_items": 0, "newest_post": hour, "consecutive_failures": 4,
            "last_error": "HTTPError: 401 Unauthorized"}))
    with live_server(create_app(store, config)) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.fixture
def page(browser, server):  # noqa: F811
    yield from recording_page(browser, server)


def test_a_grouped_rows_brands_open_from_the_keyboard(page):
    page.goto("/overview")
    _ready(page)
    note = page.locator("#collection-note")
    expect(note).to_be_visible()
    note.locator("summary").first.focus()
    page.keyboard.press("Enter")  # the notice opens
    row = note.locator("li", has_text="Failing: hn")
    expect(row).to_contain_text("failing for 5 brands (Acme, Globex, Initech and 2 more)")
    brands = row.locator("details.brands")
    expect(brands.locator("summary")).to_have_text("All 5 brands")
    expect(brands.locator("p")).to_be_hidden()  # folded until asked for
    brands.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(brands.locator("p")).to_be_visible()
    expect(brands.locator("p")).to_have_text(", ".join(BRANDS))  # Umbrella and Hooli too, as text
    assert page.errors == []
