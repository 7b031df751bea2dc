"""Spam and advocates in real headless Chromium: the overview's card and note, Explore's "not spam" button
and its sentiment correction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from live_server import live_server
from test_web_browser import CHROMIUM_ARGS, _ready, _require_or_skip, _shot, browser, expect, recording_page  # noqa: F401
from web_support import demo_app, load_demo

from core.accounts import OwnAccounts
from groundswell import demo_corpus as demo

pytestmark = pytest.mark.browser
OWN = OwnAccounts.of({"x": ["@" + demo.CARE_HANDLE]})


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from groundswell.spam import flag_spam
    from indexing.sqlite import SqliteStore

    store = SqliteStore(tmp_path_factory.mktemp("spam-browser") / "g.db")
    load_demo(store)
    # As the pipeline runs it: the demo's care account is the brand's own (set aside, not spam).
    flag_spam(store, demo.START, demo.START + timedelta(days=demo.DAYS), own=OWN)
    yield store
    store.close()


@pytest.fixture(scope="module")
def server(store) -> Iterator[str]:
    app = demo_app(store)
    with live_server(app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def page(browser, server):  # noqa: F811
    yield from recording_page(browser, server)


def test_overview_shows_advocates_and_the_spam_left_out(page):
    page.goto("/overview?brand=Lumora&since=2026-11-01&until=2026-11-15")
    _ready(page)
    expect(page.locator("#advocates tbody tr").first).to_contain_text("demo_en_901 (x)")
    expect(page.locator("#spam-note")).to_contain_text("65 spam mentions left out")
    href = page.locator("#export-advocates").get_attribute("href")
    assert href.startswith("/api/advocates?") and "format=csv" in href
    _shot(page, "overview-advocates")
    assert page.errors == []


def test_explore_marks_a_flag_as_a_false_positive(page, store):
    page.goto("/explore?q=lumora-deals&spam=include&brand=Lumora&since=2026-11-01&until=2026-11-15")
    _ready(page)
    expect(page.locator("#result-count")).to_contain_text("40 matches")
    first = page.locator("#results li.mention").first
    expect(first.locator(".spam .badge")).to_contain_text("copy-paste campaign: 40 authors, 12 min")
    mention_id = first.get_attribute("data-id")
    first.locator("button.not-spam").click()
    expect(first).to_contain_text("marked not spam")
    assert store.get([mention_id])[0].spam is None  # the flag is cleared and the override stored
    first.locator("button.undo-not-spam").click()  # a slip: withdrawn at once, the flag is back
    expect(first.locator("button.not-spam")).to_be_visible()
    expect(first.locator(".spam .badge")).to_contain_text("copy-paste campaign: 40 authors, 12 min")
    assert store.get([mention_id])[0].spam is not None
    first.locator("button.not-spam").click()
    expect(first).to_contain_text("marked not spam")
    page.goto("/explore?q=lumora-deals&brand=Lumora&since=2026-11-01&until=2026-11-15")
    _ready(page)
    expect(page.locator("#result-count")).to_contain_text("1 matches")  # spam left out: only the overruled one
    assert page.errors == []


def test_explore_corrects_a_sentiment_marks_it_and_gives_it_back(page, store):
    page.goto("/explore?brand=Lumora&sentiment=positive&since=2026-11-01&until=2026-11-15")
    _ready(page)
    first = page.locator("#results li.mention").first
    mention_id = first.get_attribute("data-id")
    expect(first.locator("select.correct option")).to_have_text(["\u270f\ufe0f correct\u2026", "negative", "neutral"])
    _shot(page, "explore-correct")
    first.locator("select.correct").select_option("negative")
    first.locator("button.apply-correct").click()  # the select chooses, Apply writes
    fixed = page.locator(f'#results li.mention[data-id="{mention_id}"]')
    expect(fixed).to_contain_text("corrected to negative")
    expect(fixed.locator(".badge.corrected")).to_contain_text("negative")
    (stored,) = store.get([mention_id])
    assert stored.sentiment.label == "negative" and stored.sentiment.by_analyst
    at = {"since": stored.created_at.isoformat(), "until": (stored.created_at + timedelta(seconds=1)).isoformat()}
    page.goto("/explore?brand=Lumora&sentiment=negative&" + urlencode(at))
    _ready(page)
    again = page.locator(f'#results li.mention[data-id="{mention_id}"]')
    expect(again.locator(".badge.corrected")).to_be_visible()
    # a corrected card offers the other labels, and the model's own back
    expect(again.locator("select.correct option")).to_have_text(
        ["\u270f\ufe0f correct\u2026", "neutral", "positive", "\u21a9\ufe0f the model's label"])
    _shot(page, "explore-corrected")
    again.locator("select.correct").select_option("undo")
    again.locator("button.apply-correct").click()  # the select chooses, Apply writes
    expect(again).to_contain_text("the model's label again: positive")
    expect(again.locator(".badge.corrected")).to_have_count(0)
    assert store.get([mention_id])[0].sentiment.by_analyst is False
    assert page.errors == []


def test_the_overview_says_how_accurate_its_sentiment_is_here(browser, store):  # noqa: F811
    from groundswell.audit_results import save_audit

    figures = {"value": 78.4, "low": 73.5, "high": 82.6, "n": 296}
    save_audit(store, {"audit": {"created_at": "2026-11-16T00:00:00+00:00", "filters": {"brand": None},
                                 "models": {"an-older-build@1": 300}, "rows": 300},
                       "answers": {"labelled": 296, "unclear": 4}, "population": 3000, "covered_population": 3000,
                       "accuracy": figures, "languages": {"en": {"accuracy": figures}, "ko": {"accuracy": figures}}},
               demo.START + timedelta(days=15))
    app = demo_app(store)
    with live_server(app) as port:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=f"http://127.0.0.1:{port}")
        page = context.new_page()
        try:
            page.goto("/overview?brand=Lumora&since=2026-11-01&until=2026-11-15")
            _ready(page)
            note = page.locator("#audit-note")
            expect(note).to_contain_text("Sentiment audited 2026-11-16: 78.4% accurate (73.5\u201382.6, 95%) on 296")
            expect(note).to_contain_text("(en 78.4%, ko 78.4%)")
            # the demo's labels come from another build than the audited one
            expect(note).to_contain_text("It judged an earlier model's labels: audit again.")
            _shot(page, "overview-audit")
            page.goto("/explore?brand=Lumora")
            _ready(page)
            expect(page.locator("#audit-note")).to_be_hidden()  # the overview's note only
        finally:
            context.close()
    store.delete_state(k for k in store.state_items("sentiment-audit:"))  # the module's other tests see none


def test_a_label_a_sentiment_rule_gave_is_marked_with_the_rules_name(page, store):
    from datetime import UTC, datetime

    from core.mention import Mention, Sentiment

    ruled = Sentiment(label="neutral", probs={"negative": 0.0, "neutral": 1.0, "positive": 0.0},
                      model="rule:press-releases#0f0f0f0f")
    post = Mention(source="x", native_id="rule-badge", text="Lumora press release: new colours for Pulse",
                   brand="Lumora", created_at=datetime(2026, 12, 2, 10, tzinfo=UTC), sentiment=ruled)
    assert all(r.ok for r in store.upsert([post]))
    page.goto("/explore?brand=Lumora&since=2026-12-02&until=2026-12-03")
    _ready(page)
    badge = page.locator(f'#results li.mention[data-id="{post.id}"] .badge.rule')
    expect(badge).to_contain_text("neutral \U0001f4cf")
    assert badge.get_attribute("title") == "neutral, by the sentiment rule \u201cpress-releases\u201d"
    assert page.errors == []


def test_a_write_the_proxy_fails_leaves_the_card_as_it_was_and_says_why(page, store):
    # The proxy's own error page (HTML, 502): a fault no real part of the dashboard produces on cue, so the
    # browser is given one for this route alone.
    page.route("**/api/sentiment/correct", lambda route: route.fulfill(
        status=502, content_type="text/html", body="<html><body>Bad Gateway</body></html>"))
    page.goto("/explore?brand=Lumora&sentiment=neutral&since=2026-11-01&until=2026-11-15")
    _ready(page)
    first = page.locator("#results li.mention").first
    mention_id = first.get_attribute("data-id")
    before = store.get([mention_id])[0].sentiment
    first.locator("select.correct").select_option("negative")
    first.locator("button.apply-correct").click()  # the select chooses, Apply writes
    expect(page.locator("#error")).to_contain_text("502")
    expect(first.locator("select.correct")).to_be_enabled()
    expect(first.locator("select.correct")).to_have_value("")  # never looks applied
    assert store.get([mention_id])[0].sentiment == before
