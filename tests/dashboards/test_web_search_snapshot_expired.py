"""An engagement-sorted `/api/search` cursor whose SQLite snapshot is gone is a 400 that says to start again
(docs/dashboard.md "JSON API", `indexing/sqlite_snapshots.py`): never a page read from moved data, never a 500.
A real uvicorn over the real demo SQLite store; the snapshot is closed the way a busy dashboard closes it, by
MAX_OPEN newer pagings."""

from __future__ import annotations

import http.client
import json
from urllib.parse import quote

import pytest
from live_server import live_server
from web_support import demo_app, demo_db

from indexing.sqlite import SqliteStore
from indexing.sqlite_snapshots import MAX_OPEN


@pytest.fixture
def port():
    store = SqliteStore(demo_db())
    with live_server(demo_app(store)) as port:
        yield port
    store.close()


def get(port: int, path: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_a_cursor_whose_snapshot_was_closed_is_a_clear_400(port):
    search = "/api/search?brand=Lumora&sort=engagement&size=5"
    status, first = get(port, search)
    assert status == 200 and first["next_cursor"]
    assert get(port, f"{search}&cursor={quote(first['next_cursor'])}")[0] == 200  # held: the next page reads it
    for _ in range(MAX_OPEN):  # newer pagings take every place
        assert get(port, search)[0] == 200
    status, body = get(port, f"{search}&cursor={quote(first['next_cursor'])}")
    assert status == 400 and body["param"] == "cursor"
    assert "snapshot has expired" in body["error"] and "start again without a cursor" in body["error"]
