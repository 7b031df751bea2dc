"""Hostile mentions in real headless Chromium: the report, the digest and every dashboard page.

Each page is rendered over tests/hostile_corpus.py (script tags, <img onerror>, javascript: URLs,
</script> in strings, quotes in attributes, U+202E, a 10k-character word, {{7*7}}) and must:
open no dialog, contain no injected element, link nowhere but http(s), log no error (a CSP
violation included), and show every hostile value as the text it is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hostile_corpus import HOSTILE_TEXTS, INJECTED_SELECTOR, hostile_alert, hostile_mentions
from live_server import live_server
from markdown_it import MarkdownIt
from test_web_browser import browser  # noqa: F401 (browser is a fixture used below)

from alerts.history import save_alerts
from core.escaping import one_line, safe_url
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.browser

START = datetime(2026, 11, 10, 9, tzinfo=UTC)
BRAND = "Lumora"
_ALL_HREFS = "() => Array.from(document.querySelectorAll('[href],[src],[action]')).map((e) => e.getAttribute('href') ?? e.getAttribute('src') ?? e.getAttribute('action'))"  # noqa: E501
_SVG_TEXTS = "() => Array.from(document.querySelectorAll('svg text')).map((t) => t.textContent)"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.db"
    store = SqliteStore(path)
    mentions = hostile_mentions(BRAND, START)
    assert all(r.ok for r in store.upsert(mentions))
    save_alerts(store, [hostile_alert(BRAND, START, mentions)])
    store.close()
    return path


@pytest.fixture(scope="module")
def hostile_server(hostile_db):
    """The dashboard over the hostile store, on a real uvicorn."""

    from dashboards.web.app import create_app
    from groundswell.config import BrandConfig

    store = SqliteStore(hostile_db)
    app = create_app(store, [BrandConfig(name=BRAND, query=BRAND)])
    with live_server(app) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.fixture
def page(browser):  # noqa: F811 (the imported fixture)
    """A page that records dialogs and console errors (CSP violations are logged as errors)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.dialogs, page.errors = [], []  # type: ignore[attr-defined]

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


def _assert_nothing_ran(page, where: str) -> None:
    page.mouse.move(200, 300)  # an injected onmouseover would fire now
    page.wait_for_timeout(300)
    assert page.dialogs == [], f"{where}: a dialog opened: {page.dialogs}"
    assert page.locator(INJECTED_SELECTOR).count() == 0, f"{where}: injected element in the DOM"
    links = [u for u in page.evaluate(_ALL_HREFS) if u and not u.startswith(("/", "plotly.min.js", "data:image"))]
    assert all(safe_url(u) == u for u in links), f"{where}: unsafe link {links}"
    assert page.errors == [], f"{where}: {page.errors}"


def _assert_no_overflow(page, where: str) -> None:
    """A 10 000-character word wraps instead of widening the page."""
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{where}: the page is {width[0]} px wide for a {width[1]} px window"


def _assert_visible(page, texts, where: str, selector: str = "body") -> None:
    shown = "\n".join(page.locator(selector).all_inner_texts())
    for text in texts:
        assert text in shown, f"{where}: {text[:60]!r} not shown as text"


def test_report_runs_no_hostile_script_and_shows_it_as_text(page, hostile_db, tmp_path):
    from alerts.history import stored_alerts
    from groundswell.config import parse_config
    from groundswell.report import write_report

    config = parse_config(
        {"brands": [{"name": BRAND, "query": BRAND}], "report": {"path": str(tmp_path / "report.html")}}
    )
    store = SqliteStore(hostile_db)
    path = write_report(config, store, stored_alerts(store))
    store.close()
    page.goto(path.as_uri())
    page.wait_for_selector(".plotly-graph-div .main-svg")
    assert page.locator(".plotly-graph-div .main-svg").count() >= 6  # the CSP lets every chart draw
    _assert_nothing_ran(page, "report")
    _assert_no_overflow(page, "report")
    _assert_visible(page, HOSTILE_TEXTS.values(), "report", ".post")
    labels = page.evaluate(_SVG_TEXTS)
    for text in HOSTILE_TEXTS.values():  # each is a theme: a y-axis label of the themes chart
        assert text in labels, f"report chart: {text[:60]!r} not drawn as text"


def test_digest_rendered_as_html_runs_nothing(page, hostile_db, tmp_path):
    from groundswell.config import parse_config
    from groundswell.digest import write_digest

    config = parse_config({"brands": [{"name": BRAND, "query": BRAND}]})
    store = SqliteStore(hostile_db)
    out = write_digest(config, store, date(2026, 11, 10), tmp_path)
    store.close()
    # There is no HTML digest: render its Markdown as a permissive viewer would (CommonMark, raw HTML on).
    markdown = Path(out["markdown"]).read_text(encoding="utf-8")
    html_path = tmp_path / "digest.html"
    html_path.write_text(
        '<!doctype html><meta charset="utf-8">' + MarkdownIt("commonmark", {"html": True}).render(markdown),
        encoding="utf-8",
    )
    page.goto(html_path.as_uri())
    _assert_nothing_ran(page, "digest")
    (brand,) = out["brands"]
    shown = [p["text"][:160] for p in brand["notable_posts"]] + [t["theme"] for t in brand["top_themes"]]
    _assert_visible(page, [one_line(t) for t in shown], "digest")


def _dashboard(page, server: str, path: str) -> None:
    page.goto(server + path)
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)


def test_dashboard_explore_shows_hostile_posts_as_text(page, hostile_server):
    _dashboard(page, hostile_server, "/explore")
    page.wait_for_selector("#results li.mention")
    _assert_nothing_ran(page, "explore")
    _assert_no_overflow(page, "explore")
    _assert_visible(page, HOSTILE_TEXTS.values(), "explore", "#results")
    assert page.locator("#results a.out").count() == 0  # no post has an http(s) link


def test_dashboard_overview_and_themes_draw_hostile_labels_as_text(page, hostile_server):
    _dashboard(page, hostile_server, "/overview")
    _assert_nothing_ran(page, "overview")
    _assert_no_overflow(page, "overview")
    _assert_visible(page, HOSTILE_TEXTS.values(), "overview", "#authors")  # handles
    _dashboard(page, hostile_server, "/themes")
    _assert_nothing_ran(page, "themes")
    _assert_no_overflow(page, "themes")
    labels = page.evaluate(_SVG_TEXTS)
    for text in HOSTILE_TEXTS.values():
        assert text in labels, f"themes chart: {text[:60]!r} not drawn as text"
    _assert_visible(page, HOSTILE_TEXTS.values(), "themes", "#theme-samples")


def test_dashboard_alerts_shows_hostile_alert_as_text(page, hostile_server):
    _dashboard(page, hostile_server, "/alerts")
    page.wait_for_selector("#alert-list li.alert-card")
    _assert_nothing_ran(page, "alerts")
    _assert_no_overflow(page, "alerts")
    card = page.locator("#alert-list li.alert-card").first
    assert "javascript" not in (card.locator("a").last.get_attribute("href") or "")
    _assert_visible(page, list(HOSTILE_TEXTS.values())[:3], "alerts", "#alert-list")
