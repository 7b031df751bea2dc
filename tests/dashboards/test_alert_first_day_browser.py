"""A first-day alert's card (alerts/first_day.py) shows negatives out of all posts, never "observed / expected":
its `expected` 0 is no level to compare with (the card read "34 / 0"). Real Chromium over a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_server import live_server
from test_alert_explain_browser import CASE
from test_web_browser import CHROMIUM_ARGS, _expected_console_errors, _ready, browser, recording_page  # noqa: F401

from alerts.history import save_alerts
from groundswell.config import BrandConfig
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[str]:
    from dashboards.web.app import create_app

    store = SqliteStore(tmp_path_factory.mktemp("first-day") / "alerts.db")
    assert all(r.ok for r in store.upsert(CASE.corpus()))
    alert = CASE._alert().model_copy(update={"detector": "first_day", "expected": 0.0, "observed": 34.0, "total": 61})
    save_alerts(store, [alert])
    with live_server(create_app(store, [BrandConfig(name="Acme", query="acme")])) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.fixture
def page(browser, served):  # noqa: F811
    yield from recording_page(browser, served)


def test_a_first_day_card_shows_negatives_of_all_posts_not_an_expected_count(page) -> None:
    page.goto("/alerts")
    _ready(page)
    card = page.locator("#alert-list li.alert-card").first
    if card.locator("details").get_attribute("open") is None:
        card.locator("summary").click()
    rows = dict(zip(card.locator("dt").all_inner_texts(), card.locator("dd").all_inner_texts(), strict=True))
    assert not [k for k in rows if "expected" in k], rows
    shown = next(v for k, v in rows.items() if "negative / all posts" in k)
    assert shown.startswith("34 / 61") and "no usual level yet" in shown, shown
    assert _expected_console_errors(page) == []
