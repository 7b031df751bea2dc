"""`collected_since` on /api/export and /api/search: a warehouse loads only what arrived since its last load
(`Mention.collected_at`: when the run that stored a post last wrote it), however old the posts themselves are, and
re-pulls nothing else. A bad value is a 400 naming the parameter. A real SQLite store through the real app."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from web_support import demo_app

from core.mention import Mention
from indexing.sqlite import SqliteStore

FIRST_LOAD = datetime(2026, 11, 10, 9, tzinfo=UTC)
SECOND_LOAD = datetime(2026, 11, 11, 9, tzinfo=UTC)


def _post(n: int, created: datetime, collected: datetime) -> Mention:
    return Mention(source="forum", native_id=str(n), text=f"Lumora post {n}", brands=["Lumora"], created_at=created,
                   collected_at=collected)


@pytest.fixture
def client(tmp_path):
    store = SqliteStore(tmp_path / "gs.db")
    posts = [_post(n, datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=n), FIRST_LOAD) for n in range(5)]
    # A backfill between the loads brought posts older than any the warehouse has: a created_at window misses them.
    posts += [_post(10 + n, datetime(2026, 10, 1, tzinfo=UTC) + timedelta(hours=n), SECOND_LOAD) for n in range(3)]
    assert all(r.ok for r in store.upsert(posts))
    with TestClient(demo_app(store), base_url="http://127.0.0.1") as client:
        yield client
    store.close()


def _export(client, query: str) -> list[dict]:
    response = client.get(f"/api/export?format=jsonl&{query}")
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


def test_an_incremental_load_gets_what_arrived_since_the_last_one_and_nothing_else(client):
    assert len(_export(client, "brand=Lumora")) == 8
    rows = _export(client, "brand=Lumora&collected_since=2026-11-10T12:00:00Z")
    assert sorted(r["id"] for r in rows) == ["forum:10", "forum:11", "forum:12"]  # October posts, loaded late
    assert {r["collected_at"] for r in rows} == {"2026-11-11T09:00:00Z"}
    assert len(_export(client, "collected_since=2026-11-10T09:00:00Z")) == 8  # inclusive; every configured brand
    page = client.get("/api/search?brand=Lumora&collected_since=2026-11-11&size=50").json()
    assert page["total"] == 3 and {h["id"] for h in page["hits"]} == {"forum:10", "forum:11", "forum:12"}


def test_a_bad_collected_since_is_a_400_naming_it(client):
    response = client.get("/api/export?brand=Lumora&collected_since=yesterday")
    assert response.status_code == 400
    assert response.json()["param"] == "collected_since" and "ISO 8601" in response.json()["error"]


def test_the_csv_carries_collected_at_and_a_pasted_offset_reads_back(client):
    response = client.get("/api/export?brand=Lumora&format=csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0])[-1] == "collected_at"  # new columns go last: spreadsheets read the others by position
    newest = max(r["collected_at"] for r in rows)
    assert newest == "2026-11-11T09:00:00+00:00"
    # Pasted into a URL without encoding, the offset's "+" arrives as a space: still the same moment.
    again = _export(client, f"brand=Lumora&collected_since={newest}")
    assert sorted(r["id"] for r in again) == ["forum:10", "forum:11", "forum:12"]
