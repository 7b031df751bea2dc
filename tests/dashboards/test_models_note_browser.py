"""A store whose labels come from two sentiment model builds says so on every page (real Chromium)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_server import live_server
from test_web_browser import CHROMIUM_ARGS, _ready, _require_or_skip, _shot, browser, expect  # noqa: F401
from web_support import demo_app, demo_mentions

pytestmark = pytest.mark.browser
NEWER = "groundswell-e5-sentiment@0123456789ab"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    from indexing.sqlite import SqliteStore

    mentions = demo_mentions()
    # The newest 100 posts enriched after an upgrade; the rest keep the older build's labels.
    mentions.sort(key=lambda m: m.created_at)
    for i in range(len(mentions) - 100, len(mentions)):
        if mentions[i].sentiment is not None:
            mentions[i] = mentions[i].model_copy(
                update={"sentiment": mentions[i].sentiment.model_copy(update={"model": NEWER})})
    store = SqliteStore(tmp_path_factory.mktemp("models-note") / "g.db")
    assert all(r.ok for r in store.upsert(mentions))
    app = demo_app(store)
    with live_server(app) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.mark.parametrize("path", ["/overview", "/explore", "/themes"])
def test_labels_of_two_model_builds_are_pointed_out(browser, server, path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(path)
        _ready(page)
        note = page.locator("#models-note")
        expect(note).to_be_visible()
        expect(note).to_contain_text("come from 2 model builds")
        expect(note).to_contain_text(f"{NEWER}: 100")
        expect(note.locator("code")).to_have_text("groundswell store re-enrich")
        if path == "/overview":
            _shot(page, "overview-models-note")
        assert errors == []
    finally:
        context.close()
