"""/api/export and /api/search paging over the SQLite store while a re-collect writes (docs/dashboard.md "JSON API").

The integrator review exported and paged engagement order over a 60,000-post store while a re-collect rewrote
engagement counts: 60,063 rows, 56,605 distinct. An export now reads one snapshot for its whole stream
(`SqliteStore.snapshot`), and search pages hold one between requests (`indexing/sqlite_snapshots.py`). A real
uvicorn, a real SQLite file, and a writer thread on a connection of its own re-writing every post's engagement
while the client reads: every id exactly once."""

from __future__ import annotations

import csv
import http.client
import io
import json
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from live_server import live_server
from web_support import demo_app

from core.mention import Engagement, Mention
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.slow  # about 20 s each: the store is re-written five times during each read

POSTS = 3000  # paged by /api/search
# Exported: 14 MB, several times what the sockets buffer, so the server reads its later pages (1,000 rows each)
# only after the client has read far into the file, and the writes came in between.
EXPORT_POSTS = 6000
T0 = datetime(2026, 11, 1, tzinfo=UTC)
FILLER = "battery overheating and the charger too " * 60  # ~2.4 KB a row: a page outgrows the socket's buffers


def posts(flip: int, n: int = POSTS) -> list[Mention]:
    """Every post; each `flip` gives each post new likes, which reorders the whole engagement order."""
    return [
        Mention(source="x", native_id=str(i), text=f"Lumora post {i} {FILLER}", brands=["Lumora"],
                created_at=T0 + timedelta(minutes=i),
                engagement=Engagement(likes=(i * 7919 + flip * 104_729) % 5000 if flip % 2 else (n - i) + flip))
        for i in range(n)
    ]


class Recollect:
    """A writer thread on its own store (another connection): `write()` re-writes every post, waits for the commit."""

    def __init__(self, path: str, n: int) -> None:
        self.path, self.n, self.rounds = path, n, 0
        self.asked, self.written, self.stop = threading.Event(), threading.Event(), False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        writer = SqliteStore(self.path)
        try:
            while True:
                self.asked.wait()
                self.asked.clear()
                if self.stop:
                    return
                self.rounds += 1
                assert all(r.ok for r in writer.upsert(posts(self.rounds, self.n), chunk_size=1000))
                self.written.set()
        finally:
            writer.close()

    def write(self) -> None:
        self.asked.set()
        assert self.written.wait(120)
        self.written.clear()

    def close(self) -> None:
        self.stop = True
        self.asked.set()
        self.thread.join(30)


@pytest.fixture
def served(tmp_path, request):
    n = getattr(request, "param", POSTS)
    store = SqliteStore(tmp_path / "gs.db")
    assert all(r.ok for r in store.upsert(posts(0, n), chunk_size=1000))
    writer = Recollect(store.path, n)
    with live_server(demo_app(store)) as port:
        yield port, writer
    writer.close()
    store.close()


@pytest.mark.parametrize("served", [EXPORT_POSTS], indirect=True)
def test_an_engagement_sorted_export_lists_every_post_once_while_a_recollect_writes(served):
    port, writer = served
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/api/export?brand=Lumora&sort=engagement&format=csv", headers={"Host": f"127.0.0.1:{port}"})
    response = conn.getresponse()
    assert response.status == 200
    text = io.TextIOWrapper(response, encoding="utf-8", newline="")
    rows = csv.reader(text)
    assert next(rows)[0] == "id"
    ids, engagement = [], []
    for row in rows:
        ids.append(row[0])
        engagement.append(int(row[10]))
        if len(ids) % 1000 == 0:  # the whole store's engagement moves, five times during the download
            writer.write()
    conn.close()
    assert writer.rounds >= 5
    assert len(ids) == len(set(ids)) == EXPORT_POSTS
    assert engagement == sorted(engagement, reverse=True)  # one order: the snapshot's


def test_search_pages_list_every_post_once_while_a_recollect_writes(served):
    port, writer = served
    ids, cursor = [], None
    while True:
        path = "/api/search?brand=Lumora&sort=engagement&size=100&keep_alive=2m"  # one snapshot, asked for
        path += f"&cursor={quote(cursor)}" if cursor else ""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
        response = conn.getresponse()
        page = json.loads(response.read())
        conn.close()
        assert response.status == 200, page
        ids += [h["id"] for h in page["hits"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
        if len(ids) % 500 == 0:  # every fifth page: the whole store's engagement moves
            writer.write()
    assert len(ids) == len(set(ids)) == POSTS
    assert writer.rounds == POSTS // 500 - 1
