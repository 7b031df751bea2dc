"""The ⬇ CSV links of the Alerts and Themes pages carry the page's filters, in real Chromium: the file downloaded
holds what the page shows under them (tests/dashboards/test_web_export_alerts_themes.py checks the files)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import live_server
from test_web_browser import _expected_console_errors, _ready, browser, page  # noqa: F401  (fixtures)
from web_support import demo_app, demo_db

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from indexing.sqlite import SqliteStore

    store = SqliteStore(demo_db())
    with live_server(demo_app(store)) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


def _download(page, link: str) -> tuple[str, list[dict[str, str]]]:  # noqa: F811
    with page.expect_download() as download:
        page.click(link)
    name = download.value.suggested_filename
    text = Path(download.value.path()).read_text(encoding="utf-8")
    return name, list(csv.DictReader(io.StringIO(text)))


def test_the_alerts_csv_link_carries_the_filters(page):  # noqa: F811
    page.goto("/alerts")
    _ready(page)
    page.select_option("select[name=severity]", "critical")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("body[data-loads='2']")
    href = page.locator("#export-alerts").get_attribute("href")
    assert href.startswith("/api/alerts?") and "severity=critical" in href and "format=csv" in href
    shown = [page.locator("#alert-list li.alert-card").nth(i).get_attribute("data-id")
             for i in range(page.locator("#alert-list li.alert-card").count())]
    name, rows = _download(page, "#export-alerts")
    assert name == "groundswell-alerts.csv"
    assert [r["alert"] for r in rows] == shown and [r["severity"] for r in rows] == ["critical"]
    assert _expected_console_errors(page) == []


def test_the_themes_csv_link_carries_the_filters(page):  # noqa: F811
    page.goto("/themes")
    _ready(page)
    page.select_option("select[name=sentiment]", "negative")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("body[data-loads='2']")
    href = page.locator("#export-themes").get_attribute("href")
    assert "brand=Lumora" in href and "sentiment=negative" in href and "format=csv" in href
    cards = page.locator("#theme-samples .card")
    shown = {cards.nth(i).get_attribute("data-theme") for i in range(cards.count())}
    name, rows = _download(page, "#export-themes")
    assert name == "groundswell-themes.csv"
    assert shown and shown <= {r["theme"] for r in rows}
    assert all(r["neutral"] == r["positive"] == "0" and int(r["negative"]) > 0 for r in rows)
    assert _expected_console_errors(page) == []
