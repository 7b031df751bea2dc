"""In real headless Chromium: Explore's intent filter marks an intent under 0.5 precision "unreliable" and warns
above an intent-filtered list; the Themes page says why nothing is judged rising when the previous period has too
few days of data (the weekly report's rule)."""

from __future__ import annotations

import pytest
from test_web_browser import (  # noqa: F401  (browser, server: the shared fixtures)
    CHROMIUM_ARGS,
    _ready,
    _require_or_skip,
    _shot,
    browser,
    expect,
    recording_page,
    server,
)

from dashboards.web.intent_precision import intent_precision

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, server):  # noqa: F811
    yield from recording_page(browser, server)


def test_explore_marks_unreliable_intents_and_warns_on_their_results(page):
    measured = intent_precision()["intents"]
    page.goto("/explore?brand=Lumora&intent=suggestion")
    _ready(page)
    suggestion = page.locator('select[name=intent] option[value="suggestion"]')
    expect(suggestion).to_have_attribute("data-reliable", "false")
    expect(suggestion).to_contain_text(f"precision {measured['suggestion']['precision']:.2f}")
    expect(suggestion).to_contain_text("unreliable")
    complaint = page.locator('select[name=intent] option[value="complaint"]')
    expect(complaint).to_have_attribute("data-reliable", "true")
    expect(complaint).not_to_contain_text("unreliable")
    expect(page.locator('select[name=intent] option[value="praise"]')).to_contain_text("precision not measured")
    note = page.locator("#intent-note")
    expect(note).to_be_visible()
    expect(note).to_have_class("muted unreliable")
    expect(note).to_contain_text("unreliable")
    _shot(page, "explore-intent-unreliable")
    assert page.errors == []


def test_themes_say_why_nothing_rises_before_the_data(page):
    page.goto("/themes?brand=Lumora&since=2026-11-05&until=2026-11-15")  # 10 days against the 10 before
    _ready(page)
    note = page.locator("#rising-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("not judged")
    expect(note).to_contain_text("data on 4 of its 10 days (Lumora's mentions start 2026-11-01)")
    assert page.errors == []
    page.goto("/themes?brand=Lumora")  # 7 days against a whole week of data: judged, no note
    _ready(page)
    expect(page.locator("#rising-note")).to_be_hidden()
    assert page.errors == []
