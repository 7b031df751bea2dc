"""A store that holds a post dated 9999-12-31 or 0001-01-01 (kept from before the import source checked dates)
still serves every page (dashboards/web/views.py `_period_end` clamps), and an export that cannot read its store
answers 500, not 200 with an empty file (dashboards/web/export.py `primed`). Real SQLite store, real app."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from core.mention import Author, Mention
from dashboards.web.app import create_app
from indexing.sqlite import SqliteStore

PAGES = ["/api/overview", "/api/themes", "/api/replies", "/api/advocates", "/api/faq", "/api/search?days=7",
         "/api/export?days=7"]


def _post(n: int, brand: str, when: datetime) -> Mention:
    return Mention(source="x", native_id=f"p{n}", text=f"{brand} post {n}", brand=brand, created_at=when,
                   author=Author(handle=f"a{n}"))


@pytest.fixture
def client(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    posts = [_post(1, "Sonique", datetime(2026, 11, 3, 10, tzinfo=UTC)),
             _post(2, "Sonique", datetime(9999, 12, 31, 23, tzinfo=UTC)),  # the newest: anchors the period
             _post(3, "Lumora", datetime(1, 1, 1, tzinfo=UTC))]  # the only one: anchors Lumora's period
    assert all(r.ok for r in store.upsert(posts))
    with TestClient(create_app(store, ["Lumora", "Sonique"]), base_url="http://127.0.0.1",
                    raise_server_exceptions=False) as c:
        yield c
    store.close()


@pytest.mark.parametrize("brand", ["Sonique", "Lumora"])
@pytest.mark.parametrize("tz", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_every_page_answers_with_a_broken_date_stored(client, brand, tz):
    for page in PAGES:
        joiner = "&" if "?" in page else "?"
        answer = client.get(f"{page}{joiner}brand={brand}&tz={tz}")
        assert answer.status_code == 200, (page, answer.text[:300])


def test_an_export_that_cannot_read_its_store_is_a_500_not_an_empty_file(tmp_path):
    # A streamed answer sends its status before its first byte: the store error came after a 200.
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert([_post(1, "Sonique", datetime(2026, 11, 3, 10, tzinfo=UTC))]))
    with TestClient(create_app(store, ["Sonique"]), base_url="http://127.0.0.1",
                    raise_server_exceptions=False) as c:
        assert c.get("/api/export").status_code == 200
        with sqlite3.connect(tmp_path / "g.db") as other:  # a real fault: the table gone from under it
            other.execute("ALTER TABLE mentions RENAME TO gone")
        for fmt in ("csv", "jsonl"):
            answer = c.get(f"/api/export?format={fmt}&bom=0")
            assert answer.status_code == 500, (fmt, answer.status_code, answer.content[:100])
    store.close()
