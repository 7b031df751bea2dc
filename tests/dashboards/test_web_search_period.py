"""/api/search and /api/export follow /api/overview's period rule: a `since` alone after the end its period
would get is a 400."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from web_support import demo_app, demo_db

from indexing.sqlite import SqliteStore


@pytest.fixture(scope="module")
def client():
    store = SqliteStore(demo_db())
    try:
        with TestClient(demo_app(store), base_url="http://127.0.0.1") as client:
            yield client
    finally:
        store.close()


def test_a_since_after_the_newest_mention_and_now_is_refused(client):
    # It answered 200 with an empty page, which reads as "no mentions since then".
    for endpoint in ("overview", "search", "export"):
        response = client.get(f"/api/{endpoint}", params={"since": "2150-01-01"})
        assert response.status_code == 400, (endpoint, response.text)
        body = response.json()
        assert body["param"] == "since" and "is not before the end of the period" in body["error"]


def test_a_since_in_the_past_and_a_full_range_still_search(client):
    assert client.get("/api/search", params={"since": "2026-11-10"}).json()["hits"]
    # An explicit until is the user's own period: a future range is empty, not an error (as on overview).
    future = client.get("/api/search", params={"since": "2150-01-01", "until": "2150-02-01"})
    assert future.status_code == 200 and future.json()["hits"] == []
