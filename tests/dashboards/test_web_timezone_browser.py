"""The overview in the team's zone, in real headless Chromium: with `digest.timezone: Asia/Seoul`, a browser in
Los Angeles sees Seoul days: the chart's ticks, the period text (naming the zone) and the date fields."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_server import live_server
from test_web_browser import (  # noqa: F401
    CHROMIUM_ARGS,
    _chart_texts,
    _ready,
    _require_or_skip,
    _shot,
    browser,
    expect,
    recording_page,
)

from dashboards.web.app import create_app
from groundswell.config import parse_config
from tools.reports.example import seeded_mentions

pytestmark = pytest.mark.browser

CONFIG = {
    "brands": [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique", "competitor": True}],
    "digest": {"timezone": "Asia/Seoul"},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    from indexing.sqlite import SqliteStore

    store = SqliteStore(tmp_path_factory.mktemp("timezone-browser") / "g.db")
    assert all(r.ok for r in store.upsert(seeded_mentions()))
    with live_server(create_app(store, parse_config(CONFIG), alert_loader=list)) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.fixture
def page(browser, server):  # noqa: F811
    # The browser's own zone is neither the team's nor UTC: what the page shows must not depend on it.
    yield from recording_page(browser, server, timezone_id="America/Los_Angeles")


def test_ticks_period_text_and_dates_show_seoul_days(page):
    # The API's until is exclusive: Nov 10 to Nov 13, four Seoul days (up to 3 days are drawn by the hour).
    page.goto("/overview?brand=Lumora&since=2026-11-10&until=2026-11-14")
    _ready(page)
    expect(page.locator("#period-text")).to_have_text(
        "\U0001F4C5 Nov 10, 2026 \u2013 Nov 13, 2026 (Asia/Seoul time; each bar a local day)")
    ticks = [t for t in _chart_texts(page, "chart-volume") if t.startswith("Nov")]
    assert ticks == ["Nov 10", "Nov 11", "Nov 12", "Nov 13"]
    assert page.locator("#f-since").input_value() == "2026-11-10"
    assert page.locator("#f-until").input_value() == "2026-11-13"
    _shot(page, "overview-timezone-seoul")
    assert page.errors == []


def test_a_tz_in_the_url_overrides_the_teams_zone(page):
    page.goto("/overview?brand=Lumora&since=2026-11-10&until=2026-11-14&tz=UTC")
    _ready(page)
    expect(page.locator("#period-text")).to_have_text(
        "\U0001F4C5 Nov 10, 2026 \u2013 Nov 13, 2026 (UTC time; each bar a local day)")
    assert [t for t in _chart_texts(page, "chart-volume") if t.startswith("Nov")] == [
        "Nov 10", "Nov 11", "Nov 12", "Nov 13"]
    # Applying the form keeps the zone the URL named.
    page.locator("#filters button[type=submit], #filters input[type=submit]").first.click()
    page.wait_for_selector("body[data-loads='2']", timeout=20_000)
    assert "tz=UTC" in page.url
    assert page.errors == []
