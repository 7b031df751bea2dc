"""An alert's summary on the dashboard says its times in the zone the page shows (digest.timezone, or the URL's
`tz`), as the window beside it does; the stored summary (the API's `summary`, the CSV) keeps UTC. Real headless
Chromium on the real app, a browser in Los Angeles: what the card says must not depend on the browser's zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from live_server import live_server
from test_web_browser import CHROMIUM_ARGS, _ready, _shot, browser, expect, recording_page  # noqa: F401

from alerts.explain import summarize
from core.alert import Alert
from dashboards.web.app import create_app
from groundswell.config import parse_config
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.browser

CONFIG = {"brands": [{"name": "Acme", "query": "Acme"}], "digest": {"timezone": "Asia/Seoul"}}
UTC_SPAN = "during 2026-03-18 15:00–16:00 UTC"
SEOUL_SPAN = "during 2026-03-19 00:00–01:00 KST"  # the same hour on Seoul's clock, the next day there
BERLIN_SPAN = "during 2026-03-18 16:00–17:00 CET"


def _alert() -> Alert:
    """A negative spike of 15:00–16:00 UTC, its summary as detection writes it (in UTC)."""
    alert = Alert(kind="spike", brand="Acme", severity="warning", window_start=datetime(2026, 3, 18, 15, tzinfo=UTC),
                  window_end=datetime(2026, 3, 18, 16, tzinfo=UTC), observed=31, expected=3.2,
                  statistic="negative_binomial", score=11.2, p_value=6.3e-12, negative_share=0.62,
                  top_terms=["bricked", "update"])
    alert.summary = summarize(alert)
    assert UTC_SPAN in alert.summary
    return alert


def _app(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("alert-local-summary") / "g.db")
    alert = _alert()
    return store, create_app(store, parse_config(CONFIG), alert_loader=lambda: [alert])


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    store, app = _app(tmp_path_factory)
    with live_server(app) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.fixture
def page(browser, server):  # noqa: F811
    yield from recording_page(browser, server, timezone_id="America/Los_Angeles")


def test_the_alert_card_says_the_teams_zone_not_utc(page):
    page.goto("/alerts?brand=Acme")
    _ready(page)
    head = page.locator("#alert-list li.incident-card > p").first
    expect(head).to_contain_text(SEOUL_SPAN)
    summary = page.locator("#alert-list li.alert-card summary").first
    expect(summary).to_contain_text(SEOUL_SPAN)
    for text in (head.inner_text(), summary.inner_text()):
        assert "UTC" not in text and "America" not in text, text
    _shot(page, "alert-summary-seoul")
    assert page.errors == []


def test_the_overviews_incident_card_says_the_teams_zone(page):
    page.goto("/overview?brand=Acme&since=2026-03-18&until=2026-03-20")
    _ready(page)
    card = page.locator("#incident-list li.incident-card").first
    expect(card.locator(":scope > p")).to_contain_text(SEOUL_SPAN)
    expect(card.locator("li.alert-card").first).to_contain_text(SEOUL_SPAN)  # the folded timeline's line
    assert "UTC" not in card.locator(":scope > p").inner_text()
    assert page.errors == []


def test_a_tz_in_the_url_names_that_zone(page):
    page.goto("/alerts?brand=Acme&tz=Europe/Berlin")
    _ready(page)
    expect(page.locator("#alert-list li.alert-card summary").first).to_contain_text(BERLIN_SPAN)
    assert "UTC" not in page.locator("#alert-list li.incident-card > p").first.inner_text()
    assert page.errors == []


def test_the_api_keeps_the_stored_summary_in_utc_beside_the_local_one(tmp_path_factory):
    store, app = _app(tmp_path_factory)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            feed = client.get("/api/alerts").json()
            overview = client.get("/api/overview", params={"brand": "Acme", "since": "2026-03-18",
                                                            "until": "2026-03-20", "tz": "Europe/Berlin"}).json()
    finally:
        store.close()
    (alert,) = feed["alerts"]
    assert UTC_SPAN in alert["summary"] and SEOUL_SPAN in alert["summary_local"]
    assert alert["summary_local"].replace(SEOUL_SPAN, UTC_SPAN) == alert["summary"]  # only the times differ
    assert SEOUL_SPAN in feed["incidents"][0]["alerts"][0]["summary_local"]
    (shown,) = overview["incidents"][0]["alerts"]
    assert UTC_SPAN in shown["summary"] and BERLIN_SPAN in shown["summary_local"]
