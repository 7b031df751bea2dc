"""The dashboard says when collection is broken: `/api/health` lists what `groundswell health` finds not ok (a
source refused every run, one gone quiet, a brand with nothing recent), read from the records real `ingest` runs
wrote, and every page shows them above its charts (real Chromium), so a dip that is a collection gap says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner
from fastapi.testclient import TestClient
from health_fake import serving
from live_server import live_server
from test_web_browser import CHROMIUM_ARGS, _ready, _require_or_skip, _shot, browser, expect  # noqa: F401

from dashboards.web.app import create_app
from groundswell.cli import cli
from groundswell.config import load_config
from indexing.sqlite import SqliteStore


def _config(folder: Path, server) -> Path:
    """One source refused every run (401), one that brings a story while `server.news` is set."""
    base = f"http://127.0.0.1:{server.server_port}"
    return write_config(folder, sources=[
        {"type": "hackernews", "name": "hn-401", "options": {"base_url": f"{base}/hn-401"}},
        {"type": "hackernews", "name": "hn-news", "options": {"base_url": f"{base}/hn-news"}},
    ])


def _ingest(config: Path, server, runs: int, news_first: bool) -> None:
    """`runs` real `groundswell ingest` runs: each writes both sources' health records to the store."""
    for run in range(runs):
        server.news = news_first and run == 0
        result = CliRunner().invoke(cli, ["ingest", "-c", str(config), "--no-progress"])
        assert result.exit_code == 3, result.output  # one source failed, the other collected


def _health(config_path: Path) -> dict:
    config = load_config(config_path)
    store = SqliteStore(config.store.path)
    try:
        with TestClient(create_app(store, config), base_url="http://127.0.0.1") as client:
            assert client.get("/api/health", params={"brand": "Acme"}).status_code == 400  # takes no parameter
            return client.get("/api/health").json()
    finally:
        store.close()


def test_the_api_lists_the_rows_not_ok_with_what_to_do(tmp_path):
    with serving() as server:
        config = _config(tmp_path, server)
        _ingest(config, server, runs=1, news_first=True)
        first = _health(config)
        assert first["status"] == "warning"  # one failure: a warning, not yet failing
        assert [(r["kind"], r["name"], r["status"]) for r in first["rows"]] == [("source", "hn-401/Acme", "warning")]
        assert "401" in first["rows"][0]["detail"] and "credentials" in first["rows"][0]["action"]
        assert "record" not in first["rows"][0]
        _ingest(config, server, runs=3, news_first=False)  # refused three more times; the other brings nothing
        later = _health(config)
    assert later["status"] == "failing"
    assert [(r["name"], r["status"]) for r in later["rows"]] == [("hn-401/Acme", "failing"),
                                                                  ("hn-news/Acme", "warning")]
    assert "3 empty passes in a row" in later["rows"][1]["detail"]


def test_a_dashboard_over_brand_names_has_nothing_configured_to_check(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    try:
        with TestClient(create_app(store, ["Acme"]), base_url="http://127.0.0.1") as client:
            assert client.get("/api/health").json()["rows"] == []
    finally:
        store.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("collection-note")
    with serving() as fake:
        path = _config(folder, fake)
        _ingest(path, fake, runs=4, news_first=True)
    config = load_config(path)
    store = SqliteStore(config.store.path)
    with live_server(create_app(store, config)) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/overview", "/explore", "/alerts"])
def test_every_page_says_collection_is_failing(browser, server, path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(path)
        _ready(page)
        note = page.locator("#collection-note")
        expect(note).to_be_visible()
        expect(note.locator("summary")).to_contain_text("Collection: 2 problems (1 failing)")
        note.locator("summary").click()
        expect(note.locator("li").first).to_contain_text("Failing: hn-401/Acme")
        expect(note.locator("li").first).to_contain_text("401")
        expect(note.locator("li").nth(1)).to_contain_text("Warning: hn-news/Acme")
        if path == "/overview":
            _shot(page, "overview-collection-note")
        assert not errors
    finally:
        context.close()
