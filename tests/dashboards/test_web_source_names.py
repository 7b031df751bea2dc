"""A source named freely by an import ("Brand Watch") can be filtered by the name the dashboard lists: every
name a stored source can have is a valid `source` filter (dashboards/web/params.py, `parse_source`), and ids,
which hold it, never change. Real SQLite store, the real app through its test client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from web_support import demo_app

from core.mention import Mention
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 10, tzinfo=UTC)
SOURCES = ("Brand Watch", "x", "Meltwater (EU) · Presse", "=cmd|' /C calc'!A0")
PERIOD = {"brand": "Lumora", "since": "2026-11-01", "until": "2026-11-15"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("sources") / "g.db")
    posts = [Mention(source=source, native_id=str(i), text=f"Lumora post {i}", created_at=T0 + timedelta(hours=i),
                     brands=["Lumora"]) for i, source in enumerate(SOURCES * 2)]
    assert all(r.ok for r in store.upsert(posts))
    try:
        with TestClient(demo_app(store), base_url="http://127.0.0.1") as client:
            yield client
    finally:
        store.close()


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_the_overview_lists_can_be_filtered_by(client, source):
    listed = client.get("/api/overview", params=PERIOD).json()["by_source"]
    assert listed[source] == 2
    found = client.get("/api/search", params={**PERIOD, "source": source})
    assert found.status_code == 200, found.text
    assert sorted(h["id"] for h in found.json()["hits"]) == sorted(f"{source}:{i}" for i in (
        SOURCES.index(source), SOURCES.index(source) + len(SOURCES)))
    narrowed = client.get("/api/overview", params={**PERIOD, "source": source}).json()["by_source"]
    assert narrowed == {source: 2}
    # Still refused: what no stored source can be (longer than a whole id).
    response = client.get("/api/search", params={**PERIOD, "source": source * 513})
    assert response.status_code == 400 and response.json()["param"] == "source", response.text
