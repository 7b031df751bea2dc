"""A theme card on Themes lists the theme's aspects with their counts, each opening Explore on that
aspect's posts, and the aspect is no card of its own (issue 18), in real Chromium.

The demo's crisis theme gets an aspect the way the themes step writes one: half of its posts also
carry the aspect's label, and the brand's stored theme state names the crisis theme its parent.
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
from test_web_browser import _expected_console_errors, _ready, browser, expect, page  # noqa: F401  (fixtures)
from web_support import demo_app, demo_db

from indexing.base import Filters

pytestmark = pytest.mark.browser
PARENT, ASPECT = "battery overheating", "charger melted"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The demo data with an aspect under the crisis theme, served by a real uvicorn."""
    from indexing.sqlite import SqliteStore
    from nlp.theme_centroids import make_centroid
    from nlp.theme_state import BrandThemes, ThemeState

    path = Path(tempfile.mkdtemp()) / "aspects.db"
    shutil.copy(demo_db(), path)
    store = SqliteStore(path)
    crisis = list(store.iter_mentions(Filters(theme=PARENT, include_spam=True)))
    assert len(crisis) > 4
    with_aspect = [m.model_copy(update={"themes": [*m.themes, ASPECT]}) for m in crisis[::2]]
    assert all(r.ok for r in store.upsert(with_aspect))
    vectors = np.random.default_rng(0).normal(size=(4, 8))
    parent, aspect = make_centroid(PARENT, ["en"], vectors), make_centroid(ASPECT, ["en"], vectors)
    aspect.parent = PARENT
    for brand in {b for m in crisis for b in m.brands}:
        ThemeState(store).save(brand, BrandThemes([parent, aspect]))
    app = demo_app(store)
    with live_server(app) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


def _matches(page) -> int:  # noqa: F811
    page.wait_for_selector("#results li.mention")
    return int(re.search(r"([\d,]+) matches", page.locator("#result-count").inner_text()).group(1).replace(",", ""))


def test_theme_card_lists_its_aspects_and_each_opens_explore(page):  # noqa: F811
    page.goto("/themes")
    _ready(page)
    expect(page.locator(f"#theme-samples .card[data-theme='{ASPECT}']")).to_have_count(0)  # no card of its own
    card = page.locator(f"#theme-samples .card[data-theme='{PARENT}']")
    expect(card).to_have_count(1)
    item = card.locator(f"ul.aspects li[data-aspect='{ASPECT}']")
    expect(item).to_have_count(1)
    shown = int(item.locator("small").inner_text().replace(",", ""))
    api = page.request.get("/api/themes?" + (page.url.split("?", 1)[1] if "?" in page.url else "")).json()
    row = next(r for r in api["recurring"] + api["rising"] if r["theme"] == PARENT)
    assert [a["count"] for a in row["aspects"] if a["theme"] == ASPECT] == [shown] and shown > 0
    assert ASPECT not in {r["theme"] for r in api["recurring"] + api["rising"]}
    item.locator("a.aspect-link").click()
    page.wait_for_url("**/explore?*theme=*")
    _ready(page)
    expect(page.locator("input[name=theme]")).to_have_value(ASPECT)
    assert _matches(page) == shown
    assert _expected_console_errors(page) == []
