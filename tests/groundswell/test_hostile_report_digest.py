"""The report and the digest over hostile mentions, checked as a parser reads them (no browser needed;
tests/dashboards/test_hostile_browser.py opens the same outputs in Chromium)."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from hostile_corpus import HOSTILE_TEXTS, HOSTILE_URLS, INJECTED_ATTR, hostile_alert, hostile_mentions
from markdown_it import MarkdownIt

from alerts.history import save_alerts, stored_alerts
from core.escaping import one_line, safe_url
from groundswell.config import parse_config
from groundswell.digest import render_markdown, write_digest
from groundswell.report import write_report
from indexing.sqlite import SqliteStore

START = datetime(2026, 11, 10, 9, tzinfo=UTC)
BRAND = 'Lumora"><b data-gs-injected>'  # a config value is escaped like any other


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the body of every inline script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_inline_script = tag == "script" and "src" not in dict(attrs)
        if self._in_inline_script:
            self.inline_scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script:
            self.inline_scripts[-1] += data


@pytest.fixture
def hostile_store(tmp_path):
    config = parse_config(
        {"brands": [{"name": BRAND, "query": "Lumora"}], "report": {"path": str(tmp_path / "out" / "report.html")}}
    )
    store = SqliteStore(tmp_path / "g.db")
    mentions = hostile_mentions(BRAND, START)
    assert all(r.ok for r in store.upsert(mentions))
    save_alerts(store, [hostile_alert(BRAND, START, mentions)])
    yield config, store
    store.close()


def test_report_escapes_every_field_and_allows_only_its_own_scripts(hostile_store):
    config, store = hostile_store
    page = write_report(config, store, stored_alerts(store)).read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(page)
    assert not [t for t, attrs in parser.tags if INJECTED_ATTR in attrs]
    hrefs = [attrs["href"] for t, attrs in parser.tags if "href" in attrs]
    assert all(safe_url(h) == h for h in hrefs), hrefs
    assert not [a for _, attrs in parser.tags for a in attrs if a.startswith("on")]  # no event handlers at all

    csp = next(attrs["content"] for t, attrs in parser.tags if attrs.get("http-equiv") == "Content-Security-Policy")
    script_src = re.search(r"script-src ([^;]+)", csp).group(1).split()
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in csp
    assert parser.inline_scripts, "the charts are inline Plotly.newPlot calls"
    for body in parser.inline_scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src
    for name, text in HOSTILE_TEXTS.items():
        assert html.escape(text) in page, name  # shown as typed (escaped in the markup)


def _digest_html(markdown: str) -> str:
    # CommonMark with raw HTML on, as GitHub, GitLab and most mail/Markdown viewers render it.
    return MarkdownIt("commonmark", {"html": True}).render(markdown)


def test_digest_markdown_shows_hostile_text_as_text(hostile_store, tmp_path):
    config, store = hostile_store
    out = write_digest(config, store, date(2026, 11, 10), tmp_path / "digests")
    markdown = open(out["markdown"], encoding="utf-8").read()
    rendered = _digest_html(markdown)
    tags = set(re.findall(r"<([a-zA-Z0-9]+)", rendered))
    # no raw HTML, link, image or emphasis; h3: the digest's own "Alerts" and "Most engaging posts" headings
    assert tags <= {"h1", "h2", "h3", "ul", "li", "p", "strong"}, tags
    assert rendered.count("<h3>") == 2
    visible = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    (brand,) = out["brands"]
    shown = [p["text"][:160] for p in brand["notable_posts"]] + [p["author"] for p in brand["notable_posts"]]
    shown += [t["theme"] for t in brand["top_themes"]] + [a["summary"] for a in brand["alerts"]] + [BRAND]
    assert len(shown) == 3 + 3 + 5 + 1 + 1
    for text in shown:
        assert one_line(text) in visible, text[:100]  # as typed (less newlines and bidi controls)
    assert all(p["url"] is None for b in out["brands"] for p in b["notable_posts"])  # no http(s) url in corpus


def test_digest_post_text_cannot_start_a_markdown_block():
    digest = {
        "day": "2026-11-10",
        "brands": [
            {
                "brand": "# Brand",
                "mentions": 1,
                "mentions_change_pct": None,
                "negative_share": None,
                "negative_share_before": None,
                "top_themes": [],
                "rising_themes": [],
                "alerts": [{"severity": "info", "kind": "spike", "summary": "ok\n\n# injected heading"}],
                "notable_posts": [{"text": "a\n\n<img src=x onerror=alert(1)>", "author": None, "engagement": 1}],
            }
        ],
    }
    rendered = _digest_html(render_markdown(digest))
    assert rendered.count("<h1>") == 1 and rendered.count("<h2>") == 1 and "<img" not in rendered


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_safe_url_refuses_every_non_http_link(url):
    assert safe_url(url) is None


def test_safe_url_keeps_http_links_and_drops_what_browsers_ignore():
    assert safe_url("https://example.org/p?q=1") == "https://example.org/p?q=1"
    assert safe_url(" \thttp://example.org/\n") == "http://example.org/"


def test_weekly_report_email_and_markdown_show_hostile_text_as_text(hostile_store):
    from groundswell.period_render import render_html, render_slack
    from groundswell.period_render import render_markdown as period_markdown
    from groundswell.period_report import build_period_report
    from groundswell.periods import period_containing

    config, store = hostile_store
    report = build_period_report(config, store, period_containing("week", START.date()))
    (brand,) = report["brands"]
    shown = [t["theme"] for t in brand["top_themes"]] + [a["summary"] for a in brand["alerts"]["top"]] + [BRAND]
    assert len(shown) == 5 + 1 + 1
    page = render_html(report)
    parser = _Tags()
    parser.feed(page)
    assert not [t for t, attrs in parser.tags if INJECTED_ATTR in attrs]
    allowed = {"html", "body", "h1", "h2", "p", "table", "tr", "th", "td", "div", "ul", "li"}  # no a: no dashboard_url
    assert {t for t, _ in parser.tags} <= allowed
    assert not [a for _, attrs in parser.tags for a in attrs if a.startswith("on")]
    for text in shown:
        assert html.escape(text) in page, text[:100]
    rendered = _digest_html(period_markdown(report))
    assert set(re.findall(r"<([a-zA-Z0-9]+)", rendered)) <= {"h1", "h2", "ul", "li", "p"}
    visible = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    for text in shown:
        assert one_line(text) in visible, text[:100]
    slack = render_slack(report)["blocks"][1]["text"]["text"]
    assert "<" not in slack and ">" not in slack  # Slack's own entities: no <!channel>, no <url|label>
