"""An engagement-sorted `/api/search` cursor whose SQLite snapshot is gone is a 400 that says to start again
(docs/dashboard.md "JSON API", `indexing/sqlite_snapshots.py`): never a page read from moved data, never a 500.
A real uvicorn over the real demo SQLite store; the snapshot is closed the way a busy dashboard closes it, by
MAX_OPEN newer pagings that asked for one (`keep_alive`); pages without it hold none."""

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
    search = "/api/search?brand=Lumora&sort=engagement&size=5&keep_alive=2m"
    status, first = get(port, search)
    assert status == 200 and first["next_cursor"]
    assert get(port, f"{search}&cursor={quote(first['next_cursor'])}")[0] == 200  # held: the next page reads it
    for _ in range(MAX_OPEN):  # newer pagings take every place
        assert get(port, search)[0] == 200
    status, body = get(port, f"{search}&cursor={quote(first['next_cursor'])}")
    assert status == 400 and body["param"] == "cursor"
    assert "snapshot has expired" in body["error"]
    assert body["error"].count("start again without a cursor") == 1, body["error"]  # said once, not twice


def test_pages_without_keep_alive_take_no_snapshot_place(port):
    """A BI tool paging with `keep_alive` keeps its cursor however many page-one searches Explore's users make
    meanwhile (they page without one: keyset pages of the live store, nothing held)."""
    bi = "/api/search?brand=Lumora&sort=engagement&size=5&keep_alive=2m"
    status, first = get(port, bi)
    assert status == 200 and first["next_cursor"]
    for size in range(1, MAX_OPEN + 5):  # an analyst typing in Explore's box, engagement order: each a page one
        status, page = get(port, f"/api/search?brand=Lumora&sort=engagement&size={size}")
        assert status == 200 and page["next_cursor"]
    status, second = get(port, f"{bi}&cursor={quote(first['next_cursor'])}")
    assert status == 200, second
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


def test_a_bad_keep_alive_is_a_400_naming_it(port):
    status, body = get(port, "/api/search?brand=Lumora&sort=engagement&keep_alive=forever")
    assert status == 400 and body["param"] == "keep_alive"
