"""The FAQ page for keyboards, touch screens and screen readers, in real headless Chromium over the demo pipeline's
store (tests/dashboards/test_web_faq.py's `port`): a group's label says its language, its theme's largest other
groups are visible text (not a hover title), and "Open these posts" by keyboard leaves focus on the group's
heading; at 320 px nothing scrolls sideways."""

from __future__ import annotations

import pytest
from test_web_browser import browser, expect, recording_page  # noqa: F401  (browser: the shared Chromium fixture)
from test_web_faq import port  # noqa: F401  (the demo pipeline's store, served)

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, port):  # noqa: F811
    yield from recording_page(browser, f"http://127.0.0.1:{port}")


def test_faq_labels_related_groups_and_focus_for_the_keyboard(page):
    page.goto("/faq?brand=Lumora&days=14")
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    groups = page.locator("#faq-questions li.faq-group, #faq-complaints li.faq-group")
    expect(groups.first).to_be_visible()
    # every label carries the language of its group's posts (no Chinese label read with the page's English)
    labels = page.eval_on_selector_all(".faq-label", "ls => ls.map((l) => [l.getAttribute('lang'), l.dir])")
    assert labels and all(lang and direction in ("auto", "rtl") for lang, direction in labels), labels
    # the largest related groups are text in the unfolded group, not a title only a mouse can show
    assert page.locator(".faq-related[title]").count() == 0
    related = page.locator("li.faq-group:has(.faq-related)").first
    related.locator("summary").click()
    expect(related.locator(".faq-largest li").first).to_be_visible()
    # "Open these posts" by keyboard: the button goes, focus goes to the group's heading
    opener = related.locator("button.faq-open")
    opener.focus()
    page.keyboard.press("Enter")
    expect(opener).to_have_count(0)
    page.wait_for_function("() => document.activeElement.tagName === 'SUMMARY'")
    assert page.evaluate("() => document.activeElement.closest('li.faq-group').dataset.id") == related.get_attribute(
        "data-id")
    # a phone's 320 px: the unfolded group and its posts wrap, nothing scrolls sideways (WCAG 1.4.10)
    page.set_viewport_size({"width": 320, "height": 640})
    page.wait_for_timeout(300)
    wide = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert wide[0] <= wide[1], wide
    assert page.errors == []
