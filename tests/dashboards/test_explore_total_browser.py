"""Explore in real headless Chromium says when the store stopped counting: "10,000+ matches" on the embedded store
over its cap (it said "10,000 matches" where Elasticsearch said 10,050), an exact figure without the "+"."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from live_server import live_server
from test_web_browser import CHROMIUM_ARGS, _ready, _require_or_skip, _shot, browser, expect, recording_page  # noqa: F401
from test_web_search_total_exact import N, serial_posts
from web_support import demo_app

from indexing.sqlite import TOTAL_CAP, SqliteStore

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    store = SqliteStore(tmp_path_factory.mktemp("explore-total") / "serials.db")
    try:
        assert all(r.ok for r in store.upsert(serial_posts(N)))
        with live_server(demo_app(store)) as port:
            yield f"http://127.0.0.1:{port}"
    finally:
        store.close()


@pytest.fixture
def page(browser, server):  # noqa: F811
    yield from recording_page(browser, server)


def _count_text(page, q: str) -> str:
    page.goto("/explore?" + urlencode({"q": q}))
    _ready(page)
    expect(page.locator("#results li.mention").first).to_be_visible()
    return page.locator("#result-count").inner_text()


def test_a_capped_total_reads_as_a_lower_bound(page):
    text = _count_text(page, "abc*")
    assert f"{TOTAL_CAP:,}+ matches" in text, text
    _shot(page, "explore-total-capped")
    # Under the cap the figure is exact, and says so by having no "+".
    text = _count_text(page, "abc0001*")  # abc00010 .. abc00019
    assert "10 matches" in text and "+" not in text.split("matches")[0], text
    assert page.errors == []
