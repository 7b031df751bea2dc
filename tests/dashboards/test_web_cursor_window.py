"""Paging Explore with a period preset while ingest runs, over a real SQLite copy of the demo store.

`days=N` means the N days up to the newest mention. Page one resolves that window; before the fix,
every later page resolved it again, so a post landing in a later hour moved the window under the
cursor and rows were skipped while the total of page one was still shown. The signed cursor now
carries page one's window (dashboards/web/cursors.py).
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from web_support import demo_app, demo_db

from dashboards.web.cursors import CursorSigner
from dashboards.web.errors import ApiError
from dashboards.web.params import Period
from indexing.base import Filters
from indexing.sqlite import SqliteStore

PRESET = {"days": "1", "sort": "oldest", "size": "20"}


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "demo.db"
    shutil.copy(demo_db(), path)  # this test writes: never into the shared demo file
    store = SqliteStore(path)
    yield store
    store.close()


def _window(store: SqliteStore) -> Period:
    """The window `days=1` names now, worked out here the way the docs state it (hour after the newest)."""
    newest = store.search(Filters(), size=1, sort="newest").hits[0].mention.created_at
    until = newest.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return Period(until - timedelta(days=1), until)


def _ingest_one_later(store: SqliteStore, hours: int) -> str:
    newest = store.search(Filters(), size=1, sort="newest").hits[0].mention
    later = newest.model_copy(
        update={"native_id": "later-1", "id": f"{newest.source}:later-1",
                "created_at": newest.created_at + timedelta(hours=hours)}
    )  # fmt: skip
    assert all(r.ok for r in store.upsert([later]))
    return later.id


def test_pages_of_a_preset_read_the_window_of_page_one(store):
    window = _window(store)
    truth = [h.mention.id for h in store.search(Filters(since=window.since, until=window.until),
                                                 size=1000, sort="oldest").hits]  # fmt: skip
    assert len(truth) > 40
    # No cache of the newest mention: the next request sees the new post at once, as after 30 s live.
    with TestClient(demo_app(store, newest_ttl_s=0), base_url="http://127.0.0.1") as client:
        first = client.get("/api/search", params=PRESET).json()
        assert [h["id"] for h in first["hits"]] == truth[:20] and first["total"] == len(truth)
        later = _ingest_one_later(store, hours=3)
        assert _window(store) != window  # a fresh page one would now read another window
        seen = [h["id"] for h in first["hits"]]
        cursor = first["next_cursor"]
        while cursor:
            body = client.get("/api/search", params={**PRESET, "cursor": cursor})
            assert body.status_code == 200, body.text
            assert body.json()["total"] == first["total"]
            seen += [h["id"] for h in body.json()["hits"]]
            cursor = body.json()["next_cursor"]
    assert seen == truth  # no row skipped, none repeated, the new post (outside the window) not mixed in
    assert later not in seen


def test_a_cursor_without_a_preset_carries_no_window(store):
    with TestClient(demo_app(store), base_url="http://127.0.0.1") as client:
        first = client.get("/api/search", params={"sort": "oldest", "size": "5"}).json()
    assert first["next_cursor"].count(".") == 1  # <mac>.<store cursor>: nothing pinned


def test_a_pinned_window_is_signed_with_the_cursor():
    signer = CursorSigner()
    window = Period(datetime.fromisoformat("2026-11-14T00:00:00+00:00"),
                    datetime.fromisoformat("2026-11-15T00:00:00.250000+00:00"))  # fmt: skip
    signed = signer.sign("c3RvcmU=", "scope", window)
    assert signer.open(signed, "scope") == ("c3RvcmU=", window)
    mac, inner, pinned = signed.split(".")
    since, until = pinned.split("_")
    moved = f"{mac}.{inner}.{int(since) + 3_600_000_000}_{until}"  # a window an hour later, same mac
    with pytest.raises(ApiError, match="not valid for this search"):
        signer.open(moved, "scope")


def test_a_week_preset_with_a_facet_pages_the_brands_whole_days_of_page_one(store):
    """days=7 with lang=es: the 7 whole days up to the brand's newest post (not its newest Spanish one, 21:25), and
    a later post of the brand in another language moves a fresh page one's week, never a cursor's."""
    preset = {"brand": "Lumora", "days": "7", "lang": "es", "sort": "oldest", "size": "20"}
    week = Filters(brand="Lumora", lang="es", since=datetime.fromisoformat("2026-11-08T00:00:00+00:00"),
                   until=datetime.fromisoformat("2026-11-15T00:00:00+00:00"))
    truth = [h.mention.id for h in store.search(week, size=1000, sort="oldest").hits]
    assert len(truth) > 40
    with TestClient(demo_app(store, newest_ttl_s=0), base_url="http://127.0.0.1") as client:
        first = client.get("/api/search", params=preset).json()
        assert [h["id"] for h in first["hits"]] == truth[:20] and first["total"] == len(truth)
        newest = store.search(Filters(brand="Lumora"), size=1, sort="newest").hits[0].mention
        later = newest.model_copy(update={"native_id": "later-ko", "id": f"{newest.source}:later-ko", "lang": "ko",
                                          "created_at": newest.created_at + timedelta(days=1)})
        assert all(r.ok for r in store.upsert([later]))
        moved = client.get("/api/search", params=preset).json()  # a fresh page one: the week of Nov 9 to 16
        assert moved["total"] == store.count(week.replace(since=week.since + timedelta(days=1),
                                                          until=week.until + timedelta(days=1))) != first["total"]
        seen, cursor = [h["id"] for h in first["hits"]], first["next_cursor"]
        while cursor:
            body = client.get("/api/search", params={**preset, "cursor": cursor})
            assert body.status_code == 200, body.text
            assert body.json()["total"] == first["total"]
            seen += [h["id"] for h in body.json()["hits"]]
            cursor = body.json()["next_cursor"]
    assert seen == truth
