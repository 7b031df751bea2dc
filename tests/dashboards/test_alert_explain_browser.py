"""The incident card shows an alert's explanation (issue 19) in real Chromium: key phrases, the
themes that rose, only the unusual part of the mix; the usual mix is not recited.

The alert is explained by the real code over a real SQLite file holding the corpus of
tests/alerts/test_alert_explain.py (a battery-fire surge, mostly Korean, same sources as usual).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import live_server
from test_web_browser import CHROMIUM_ARGS, _expected_console_errors, _ready, _shot, browser  # noqa: F401

from alerts.explain import explain
from alerts.history import save_alerts
from groundswell.config import BrandConfig
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.browser


def _explain_module():
    # tests/alerts is not on this directory's import path (`alerts` is the product package).
    path = Path(__file__).resolve().parents[1] / "alerts" / "test_alert_explain.py"
    spec = importlib.util.spec_from_file_location("alert_explain_corpus", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASE = _explain_module()


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, object]]:
    from dashboards.web.app import create_app

    store = SqliteStore(tmp_path_factory.mktemp("alert-explain") / "alerts.db")
    assert all(r.ok for r in store.upsert(CASE.corpus()))
    alert = explain(CASE._alert(), store, background_days=CASE.DAYS)
    save_alerts(store, [alert])
    with live_server(create_app(store, [BrandConfig(name="Acme", query="acme")])) as port:
        yield f"http://127.0.0.1:{port}", alert
    store.close()


def test_incident_card_shows_phrases_themes_and_only_the_unusual_mix(browser, served):  # noqa: F811
    url, alert = served
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=url)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    try:
        page.goto("/alerts")
        _ready(page)
        card = page.locator("#alert-list li.alert-card").first
        if card.locator("details").get_attribute("open") is None:
            card.locator("summary").click()
        rows = dict(zip(card.locator("dt").all_inner_texts(), card.locator("dd").all_inner_texts(), strict=True))
        phrases = next(v for k, v in rows.items() if "key phrases" in k)
        assert all(p in phrases for p in alert.key_phrases), (phrases, alert.key_phrases)
        assert "battery safety" in next(v for k, v in rows.items() if "themes up" in k)
        mix = next(v for k, v in rows.items() if "unusual mix" in k)
        assert mix.startswith("ko ") and "of the surge vs 10% usually" in mix and "reddit" not in mix
        assert not [k for k in rows if "sources" in k or "languages" in k], rows
        _shot(page, "alert-explain-card")
        assert _expected_console_errors(page) == []
    finally:
        context.close()
