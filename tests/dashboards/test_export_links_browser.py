"""The ⬇ CSV links of the Alerts and Themes pages carry the page's filters, in real Chromium: the file downloaded
holds what the page shows under them (tests/dashboards/test_web_export_alerts_themes.py checks the files).

Every page's ⬇ CSV (Alerts, Themes, Explore, the Overview's advocates) is for a spreadsheet: its link asks for
bom=1, and the file starts with the UTF-8 byte-order mark, once, so Excel reads Korean or Russian as UTF-8;
Explore's ⬇ JSON has none (tests/dashboards/test_web_csv_bom.py checks the API)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from test_web_browser import _expected_console_errors, _ready, browser, page, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


BOM = b"\xef\xbb\xbf"


def _download_bytes(page, link: str) -> tuple[str, bytes]:  # noqa: F811
    with page.expect_download() as download:
        page.click(link)
    return download.value.suggested_filename, Path(download.value.path()).read_bytes()


def _download(page, link: str) -> tuple[str, list[dict[str, str]]]:  # noqa: F811
    """A ⬇ CSV link's file: named, its rows; it starts with the byte-order mark, once (the link's bom=1)."""
    href = page.locator(link).get_attribute("href")
    assert "bom=1" in href.split("?", 1)[1].split("&"), href
    name, body = _download_bytes(page, link)
    assert body.startswith(BOM) and not body[len(BOM):].startswith(BOM) and body.count(BOM) == 1
    text = body[len(BOM):].decode("utf-8")
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


def test_the_explore_csv_link_has_the_byte_order_mark_and_the_json_link_none(page):  # noqa: F811
    page.goto("/explore?brand=Lumora&lang=ko")
    _ready(page)
    csv_href = page.locator("#export-csv").get_attribute("href")
    json_href = page.locator("#export-json").get_attribute("href")
    assert "lang=ko" in csv_href and "format=csv" in csv_href
    assert "format=json" in json_href and "bom" not in json_href
    name, rows = _download(page, "#export-csv")
    assert name == "groundswell-mentions.csv"
    assert list(rows[0])[0] == "id"  # the mark is not part of the first header
    assert rows and {r["lang"] for r in rows} == {"ko"}
    assert any("\uac00" <= ch <= "\ud7a3" for r in rows for ch in r["text"])  # Hangul, read back intact
    name, body = _download_bytes(page, "#export-json")
    assert name == "groundswell-mentions.jsonl" and body.startswith(b"{") and BOM not in body
    assert _expected_console_errors(page) == []


def test_the_advocates_csv_link_has_the_byte_order_mark(page):  # noqa: F811
    page.goto("/overview?brand=Lumora")
    _ready(page)
    page.wait_for_selector("#advocates tbody tr")
    shown = page.locator("#advocates tbody tr").count()
    name, rows = _download(page, "#export-advocates")
    assert name == "groundswell-advocates.csv"
    assert list(rows[0])[0] == "rank" and len(rows) == shown
    assert _expected_console_errors(page) == []
