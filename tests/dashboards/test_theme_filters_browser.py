"""Themes filtered by sentiment, each card with its trend sparkline and sentiment mix (issue 18), in real Chromium.

The dashboard serves the demo data from a real SQLite store through a real uvicorn (test_web_browser's
`server`); what the cards show is checked against the same API the page reads and against each other:
a card's sparkline covers the whole period, so its points add up to the card's count.
"""

from __future__ import annotations

import re

import pytest
from test_web_browser import _expected_console_errors, _ready, browser, expect, page, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def _count(text: str) -> int:
    return int(re.search(r"([\d,]+) ·", text).group(1).replace(",", ""))


def test_themes_filtered_by_sentiment_show_sparklines_and_open_explore_with_the_filter(page):  # noqa: F811
    page.goto("/themes")
    _ready(page)
    page.select_option("select[name=sentiment]", "negative")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/themes?*sentiment=negative*")
    page.wait_for_selector("body[data-loads='2']")
    cards = page.locator("#theme-samples .card[data-theme]")
    expect(cards.first).to_be_visible()
    rows = cards.evaluate_all(
        """(cards) => cards.map((c) => ({
            theme: c.dataset.theme,
            title: c.querySelector("h2 small").textContent,
            points: c.querySelector("svg.sparkline polyline").getAttribute("points").trim().split(/\\s+/).length,
            drawn: c.querySelector("svg.sparkline").getBoundingClientRect().width,
            trend: c.querySelector("svg.sparkline").getAttribute("aria-label").split(": ")[1].split(", ").map(Number),
            mix: Array.from(c.querySelectorAll(".mix-bar .mix")).map((s) => s.dataset.sentiment),
        }))"""
    )
    api = page.request.get("/api/themes?" + page.url.split("?", 1)[1]).json()
    assert rows and all(r["drawn"] > 0 for r in rows)
    for r in rows:
        assert r["mix"] == ["negative"], r  # the filter reached the store: only negative posts counted
        assert r["points"] == len(r["trend"]) == len(api["trend"]["starts"]) > 1
        assert sum(r["trend"]) == _count(r["title"]) > 0, r  # the sparkline covers the whole period
    by_theme = {t["theme"]: t for t in api["recurring"] + api["rising"]}
    assert {r["theme"]: r["trend"] for r in rows} == {r["theme"]: by_theme[r["theme"]]["trend"] for r in rows}
    # The card opens Explore with the theme and the sentiment it was counted with: the same posts.
    first = cards.first
    shown = _count(first.locator("h2 small").inner_text())
    first.locator("a.theme-link").click()
    page.wait_for_url("**/explore?*sentiment=negative*")
    _ready(page)
    expect(page.locator("select[name=sentiment]")).to_have_value("negative")
    page.wait_for_selector("#results li.mention")
    total = int(re.search(r"([\d,]+) matches", page.locator("#result-count").inner_text()).group(1).replace(",", ""))
    assert total == shown
    assert _expected_console_errors(page) == []
