"""A keyword alert that counts every sentiment, followed from the Alerts page to Explore in real Chromium.

Issues 15 and 20: the Alerts page's "explore these mentions" link used to add `sentiment=negative`
whatever the rule counted, so a keyword rule with `negative_only: false` led to a list that hid its
neutral and positive posts. Here the real detector raises the alert over a real SQLite file (the
corpus of tests/alerts/test_alert_links.py), a real uvicorn serves the dashboard, and Chromium clicks
the link. The screenshots go to `test-artifacts/screenshots/alert-link-*.png`.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import live_server
from test_web_browser import CHROMIUM_ARGS, _expected_console_errors, _ready, _shot, browser, recording_page  # noqa: F401

from alerts.config import AlertsConfig, KeywordRule
from alerts.detect import detect_alerts
from alerts.history import save_alerts
from groundswell.config import BrandConfig
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.browser
BRAND = BrandConfig(name="Acme", query="acme", crisis_terms=["recall"])


def _alert_corpus():
    # The corpus lives with the API-level test of the same link; tests/alerts is not on this
    # directory's import path (and `alerts` is the product package), so load the file by path.
    path = Path(__file__).resolve().parents[1] / "alerts" / "test_alert_links.py"
    spec = importlib.util.spec_from_file_location("alert_links_corpus", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.corpus(), module.BURST


CORPUS, BURST = _alert_corpus()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The dashboard over a store file holding the corpus and the real detector's alerts."""

    from dashboards.web.app import create_app

    store = SqliteStore(tmp_path_factory.mktemp("alert-link") / "alerts.db")
    assert all(r.ok for r in store.upsert(CORPUS))
    alerts = detect_alerts(store, BRAND, AlertsConfig(keyword=KeywordRule(negative_only=False)))
    assert [a.kind for a in alerts].count("keyword") == 1, [(a.kind, a.subject) for a in alerts]
    save_alerts(store, alerts)
    app = create_app(store, [BRAND])
    with live_server(app) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.fixture
def page(browser, server):  # noqa: F811  (browser: the shared Chromium fixture)
    yield from recording_page(browser, server, height=900)


def test_keyword_alert_link_lists_every_sentiment_it_counted(page):
    page.goto("/alerts")  # its default period ends at the newest alert (June 2026 here)
    _ready(page)
    card = page.locator("#alert-list li.alert-card", has_text="Acme \u00b7 keyword")
    assert card.count() == 1, page.locator("#alert-list").inner_text()
    if card.locator("details").get_attribute("open") is None:
        card.locator("summary").click()  # an update of its incident shows one line until opened
    posts = card.locator("li.mention")
    assert posts.count() >= 1
    badges = [posts.nth(i).locator(".meta .badge").first for i in range(posts.count())]
    # Each driving post shows its sentiment: a labelled badge, not the "not yet tagged" one.
    shown = [b.get_attribute("title") for b in badges]
    assert set(shown) <= {"negative", "neutral", "positive"} and "neutral" in shown, shown
    assert all(b.is_visible() and b.inner_text().strip().endswith(t) for b, t in zip(badges, shown, strict=True))
    _shot(page, "alert-link-alerts")

    link = card.locator("a[href^='/explore']")
    assert "sentiment" not in link.get_attribute("href")
    link.click()
    page.wait_for_url("**/explore?*")
    _ready(page)
    page.wait_for_selector("#results li.mention")
    results = page.locator("#results li.mention")
    texts = sorted(results.nth(i).locator(".text").inner_text() for i in range(results.count()))
    assert texts == sorted(text for *_, text in BURST)  # exactly the alert's posts, all ten
    labels = sorted(results.nth(i).get_attribute("class").split()[1] for i in range(results.count()))
    assert labels == sorted(label for label, *_ in BURST)  # neutral and positive ones included
    assert page.input_value("select[name=sentiment]") == ""  # the filter bar shows no sentiment filter
    _shot(page, "alert-link-explore")
    assert _expected_console_errors(page) == []


def test_export_links_after_an_alert_link_download_its_list_in_order(page):
    # An alert's link carries sort=engagement (alerts/explain.py); Explore copies every form value into its
    # export links, so /api/export must take `sort` and keep the page's order (it answered 400 before).
    page.goto("/alerts")
    _ready(page)
    link = page.locator("#alert-list a[href^='/explore']").first
    assert "sort=engagement" in link.get_attribute("href")
    link.click()
    page.wait_for_url("**/explore?*")
    _ready(page)
    page.wait_for_selector("#results li.mention")
    listed = page.locator("#results li.mention .text").all_inner_texts()
    for fmt in ("csv", "json"):
        href = page.locator(f"#export-{fmt}").get_attribute("href")
        assert "sort=engagement" in href
        response = page.request.get(href)
        assert response.status == 200, response.text()
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(response.text())))
            texts = [row["text"] for row in rows]
        else:
            texts = [json.loads(line)["text"] for line in response.text().splitlines()]
        assert texts == listed, fmt  # the same posts, in the order the page shows them
    assert _expected_console_errors(page) == []
