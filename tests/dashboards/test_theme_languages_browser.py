"""Themes filtered to a language show each theme by its key phrases in that language (`labels`, one per language
the themes step found), in real Chromium: a Korean view read Chinese and Russian aspect names ("非常失望",
"новый цвет pulse") because the page only ever showed the main label. The other languages' labels show on hover.

The demo's crisis theme and an aspect of it get labels per language the way the themes step stores them (the
brand's theme state: `nlp.themes.Theme.info`), over the demo data in a real SQLite store and a real uvicorn.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from live_server import live_server
from test_web_browser import _chart_texts, _expected_console_errors, _ready, browser, expect, page  # noqa: F401
from web_support import demo_app, demo_db

from indexing.base import Filters

pytestmark = pytest.mark.browser
THEME, ASPECT = "battery overheating", "charger melted"
THEME_LABELS = {"en": THEME, "ko": "배터리 과열 · 충전 연기", "zh": "电池过热 · 充电冒烟",
                "ru": "батарея перегревается"}
ASPECT_LABELS = {"zh": "充电器熔化", "ko": "충전기 녹음"}  # no English one: its main label is the fallback


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from indexing.sqlite import SqliteStore
    from nlp.theme_centroids import make_centroid
    from nlp.theme_state import BrandThemes, ThemeState

    path = Path(tempfile.mkdtemp()) / "languages.db"
    shutil.copy(demo_db(), path)
    store = SqliteStore(path)
    crisis = list(store.iter_mentions(Filters(theme=THEME, include_spam=True)))
    with_aspect = [m.model_copy(update={"themes": [*m.themes, ASPECT]}) for m in crisis[::2]]
    assert {m.lang for m in with_aspect} >= {"ko", "en"}
    assert all(r.ok for r in store.upsert(with_aspect))
    vectors = np.random.default_rng(0).normal(size=(4, 8))
    theme, aspect = make_centroid(THEME, ["en"], vectors), make_centroid(ASPECT, ["en"], vectors)
    theme.info, aspect.info, aspect.parent = {"labels": THEME_LABELS}, {"labels": ASPECT_LABELS}, THEME
    for brand in {b for m in crisis for b in m.brands}:
        ThemeState(store).save(brand, BrandThemes([theme, aspect]))
    with live_server(demo_app(store)) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


def _card(page):  # noqa: F811
    return page.locator(f"#theme-samples .card[data-theme='{THEME}']")


def test_a_language_view_names_themes_in_that_language_and_links_by_the_main_label(page):  # noqa: F811
    page.goto("/themes?lang=ko")
    _ready(page)
    link = _card(page).locator("a.theme-link")
    expect(link).to_have_text(THEME_LABELS["ko"])
    assert link.get_attribute("lang") == "ko"
    title = link.get_attribute("title").split("\n")
    assert title[0].startswith("Explore all ") and set(title[1:]) == {
        f"{code}: {text}" for code, text in THEME_LABELS.items() if code != "ko"}
    assert THEME_LABELS["ko"] in _chart_texts(page, "chart-recurring")
    assert THEME not in _chart_texts(page, "chart-recurring")
    aspect = _card(page).locator(f"ul.aspects li[data-aspect='{ASPECT}'] a.aspect-link")
    expect(aspect).to_have_text(ASPECT_LABELS["ko"])
    assert aspect.get_attribute("title").split("\n")[1:] == [ASPECT, f"zh: {ASPECT_LABELS['zh']}"]
    shown = int(re.search(r"([\d,]+) ·", _card(page).locator("h2 small").inner_text()).group(1).replace(",", ""))
    link.click()  # Explore on the theme's stored label and the language: the posts the card counts
    page.wait_for_url("**/explore?*theme=*")
    _ready(page)
    expect(page.locator("input[name=theme]")).to_have_value(THEME)
    page.wait_for_selector("#results li.mention")
    total = int(re.search(r"([\d,]+) matches", page.locator("#result-count").inner_text()).group(1).replace(",", ""))
    assert total == shown > 0
    assert _expected_console_errors(page) == []


def test_without_a_language_the_main_label_shows_and_the_others_on_hover(page):  # noqa: F811
    page.goto("/themes")
    _ready(page)
    link = _card(page).locator("a.theme-link")
    expect(link).to_have_text(THEME)
    assert link.get_attribute("lang") == "en"  # the main label is its English key phrases: its language is said
    assert set(link.get_attribute("title").split("\n")[1:]) == {
        f"{code}: {text}" for code, text in THEME_LABELS.items() if code != "en"}
    # a language the theme has no label in (German): the main label
    page.goto("/themes?lang=de")
    _ready(page)
    expect(_card(page).locator("a.theme-link")).to_have_text(THEME)
    assert _expected_console_errors(page) == []
