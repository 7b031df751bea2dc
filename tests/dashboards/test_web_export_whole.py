"""/api/export streams the whole result, however large (docs/dashboard.md "JSON API"): it stopped at 100,000 rows
without a word, dropping the newest posts (the integrator review's 105,000-post store exported 100,000; a
warehouse load could not tell). A real uvicorn over a real SQLite store of just over that many posts."""

from __future__ import annotations

import csv
import http.client
import io
from datetime import UTC, datetime, timedelta

import pytest
from live_server import live_server
from web_support import demo_app

from core.mention import Mention
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.slow  # about a minute: 100,050 posts written, then exported

POSTS = 100_050  # past the 100,000 rows the export used to stop at
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("export-whole") / "gs.db")
    posts = (Mention(source="x", native_id=str(i), text=f"Lumora {i}", brands=["Lumora"],
                     created_at=T0 + timedelta(seconds=i)) for i in range(POSTS))
    assert sum(1 for r in store.upsert(posts, chunk_size=5000) if r.ok) == POSTS
    with live_server(demo_app(store)) as port:
        yield port
    store.close()


def test_the_export_holds_every_post_newest_included(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", "/api/export?brand=Lumora&format=csv", headers={"Host": f"127.0.0.1:{port}"})
    response = conn.getresponse()
    assert response.status == 200
    rows = list(csv.reader(io.TextIOWrapper(response, encoding="utf-8", newline="")))
    conn.close()
    ids = [row[0] for row in rows[1:]]
    assert len(ids) == len(set(ids)) == POSTS
    assert ids[-1] == f"x:{POSTS - 1}"  # oldest first: the newest post last, not cut off


def test_a_limit_still_takes_the_first_rows(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", "/api/export?brand=Lumora&format=jsonl&limit=150000", headers={"Host": f"127.0.0.1:{port}"})
    response = conn.getresponse()
    assert response.status == 200  # a limit past 100,000 was a 400
    assert sum(1 for _ in response) == POSTS
    conn.close()
