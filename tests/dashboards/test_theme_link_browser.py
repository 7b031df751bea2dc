"""A theme card on Themes opens Explore with every post of that theme (issue 18), in real Chromium.

The demo's crisis theme is relabelled the way `nlp/themes.py` labels themes (words joined with
" · ", here with Hangul), so the link carries a real label through the URL, the form and the API.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import live_server
from test_web_browser import _expected_console_errors, _ready, browser, expect, page  # noqa: F401  (fixtures)
from web_support import demo_app, demo_db

from indexing.base import Filters

pytestmark = pytest.mark.browser
LABEL = "battery · overheating · 과열"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The demo data with the crisis theme under a real multi-word label, served by a real uvicorn."""
    from indexing.sqlite import SqliteStore

    path = Path(tempfile.mkdtemp()) / "themes.db"
    shutil.copy(demo_db(), path)
    store = SqliteStore(path)
    crisis = list(store.iter_mentions(Filters(theme="battery overheating", include_spam=True)))
    assert crisis
    relabelled = [m.model_copy(update={"themes": [LABEL if t == "battery overheating" else t for t in m.themes]})
                  for m in crisis]
    assert all(r.ok for r in store.upsert(relabelled))
    app = demo_app(store)
    with live_server(app) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


def test_theme_card_opens_explore_with_every_post_of_the_theme(page):  # noqa: F811
    page.goto("/themes")
    _ready(page)
    card = page.locator("#theme-samples .card", has=page.locator("a.theme-link", has_text=LABEL))
    expect(card).to_have_count(1)
    shown = int(re.search(r"([\d,]+) ·", card.locator("h2 small").inner_text()).group(1).replace(",", ""))
    card.locator("a.theme-link").click()
    page.wait_for_url("**/explore?*theme=*")
    _ready(page)
    expect(page.locator("input[name=theme]")).to_have_value(LABEL)
    page.wait_for_selector("#results li.mention")
    total = int(re.search(r"([\d,]+) matches", page.locator("#result-count").inner_text()).group(1).replace(",", ""))
    assert total == shown > 0
    badges = page.locator("#results li.mention").evaluate_all(
        "(items) => items.map((li) => Array.from(li.querySelectorAll('.badge')).map((b) => b.textContent))"
    )
    assert badges and all("# " + LABEL in b for b in badges)
    assert _expected_console_errors(page) == []
