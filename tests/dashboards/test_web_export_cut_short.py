"""/api/export whose store read fails after the 200 has gone out: the download must not look complete (the
rollback review's store failed on its first read and sent a 200 with an empty file; `primed` makes that a 500, this
is the later failure). A real uvicorn and a real SQLite store; the failure is injected by wrapping that store,
because no real read fails on cue at row 1,100 of 1,200 (a disk error, another process's change), and which read
fails is what the test is about."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from live_server import live_server
from web_support import demo_app

from core.mention import Mention
from indexing.sqlite import SqliteStore

ROWS, FAIL_AT = 1200, 1100
T0 = datetime(2026, 11, 1, tzinfo=UTC)


class FailingMidway:
    """The real store, except that `iter_mentions` (the export's read) fails after FAIL_AT mentions."""

    def __init__(self, store: SqliteStore):
        self._store = store

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    @contextmanager
    def snapshot(self, **kwargs) -> Iterator[FailingMidway]:
        """The export reads one snapshot of the store (`SqliteStore.snapshot`): that view fails the same way."""
        with self._store.snapshot(**kwargs) as view:
            yield FailingMidway(view)

    def iter_mentions(self, *args, **kwargs) -> Iterator[Mention]:
        for n, mention in enumerate(self._store.iter_mentions(*args, **kwargs)):
            if n == FAIL_AT:
                raise OSError("disk I/O error")
            yield mention


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("export") / "g.db")
    posts = [Mention(source="x", native_id=str(i), text=f"Lumora post number {i} " + "words " * 10,
                     created_at=T0 + timedelta(minutes=i), brands=["Lumora"]) for i in range(ROWS)]
    assert all(r.ok for r in store.upsert(posts))
    with live_server(demo_app(FailingMidway(store))) as port:
        yield port
    store.close()


def _download(port: int, fmt: str) -> tuple[int, bytes, bool]:
    """(status, the bytes received, whether the chunked answer ended properly)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", f"/api/export?format={fmt}&brand=Lumora&since=2026-10-01&until=2026-12-01")
        response = conn.getresponse()
        try:
            return response.status, response.read(), True
        except http.client.IncompleteRead as exc:
            return response.status, exc.partial, False
    finally:
        conn.close()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_whose_read_fails_midway_is_visibly_incomplete(port, fmt):
    status, body, _ = _download(port, fmt)
    assert status == 200  # sent before the failure: rows were already on their way
    # The chunked answer itself ends cleanly (the app's `@app.middleware("http")`, a BaseHTTPMiddleware, sends the
    # last chunk before the error reaches uvicorn): the file's last line is what tells it is incomplete.
    lines = body.decode().splitlines()
    last = lines[-1]
    assert "EXPORT INCOMPLETE" in last and "disk I/O error" in last
    if fmt == "jsonl":
        assert "text" not in json.loads(last)  # import skips it as a bad line, never a post
        assert 0 < len(lines) - 1 <= FAIL_AT and all("text" in json.loads(line) for line in lines[:-1])
