"""An SQLite export whose client stops reading gives its snapshot back (docs/dashboard.md "JSON API", `/api/export`):
after `EXPORT_STALL_S` without a read the snapshot is closed, so the WAL can be checkpointed again, and the client,
reading on, gets the EXPORT INCOMPLETE line last; and exports hold at most `MAX_EXPORTS` snapshots at once, one more
being a 503 with Retry-After. A real uvicorn over a real SQLite store; the stall limit is set to 1 second (the
setting, not a mock)."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
from live_server import live_server
from web_support import demo_app

from core.mention import Mention
from dashboards.web import export
from indexing import sqlite_snapshots
from indexing.sqlite import SqliteStore

# Exported: about 12 MB, several times what the sockets buffer (4 MB here, `net.ipv4.tcp_wmem`), so a client
# that stops reading stops the stream long before its end.
POSTS = 2000
FILLER = "battery overheating and the charger too " * 150  # ~6 KB a row


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    assert all(r.ok for r in store.upsert(
        [Mention(source="x", native_id=str(i), text=f"Lumora post {i} {FILLER}", brands=["Lumora"],
                 created_at=t0 + timedelta(minutes=i)) for i in range(POSTS)], chunk_size=1000))
    yield store
    store.close()


def stalled_export(port: int) -> socket.socket:
    """A client that asks for the whole export, reads its first bytes and then stops reading."""
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # small: the server's writes soon block
    client.connect(("127.0.0.1", port))
    client.sendall(f"GET /api/export?format=jsonl HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    assert client.recv(2000)
    return client


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_stalled_export_gives_its_snapshot_back_and_ends_with_the_incomplete_line(store, monkeypatch):
    monkeypatch.setattr(export, "EXPORT_STALL_S", 1.0)
    writer = SqliteStore(store.path)
    try:
        with live_server(demo_app(store)) as port:
            client = stalled_export(port)
            try:
                assert wait_for(lambda: store.open_whole_reads() == 1, 5)
                assert wait_for(lambda: store.open_whole_reads() == 0, 10), "the stalled export still holds it"
                for i in range(200):  # a collect writing meanwhile: the WAL can be checkpointed to its end
                    writer.set_state(f"stall:{i}", "x" * 1000)
                busy, log_frames, done = writer._conn().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                assert busy == 0 and log_frames == done
                client.settimeout(10)
                received = b""
                while chunk := client.recv(65536):  # the client reads on: the rest, then the line, then the end
                    received += chunk
            finally:
                client.close()
    finally:
        writer.close()
    last = received.rstrip(b"\r\n0").splitlines()[-1].decode()
    assert "EXPORT INCOMPLETE" in last and "without a read" in last


def test_exports_past_the_cap_are_a_503_with_retry_after(store, monkeypatch):
    monkeypatch.setattr(sqlite_snapshots, "MAX_EXPORTS", 2)
    capped = SqliteStore(store.path)  # made after the setting: its exports hold at most 2 snapshots
    try:
        with capped.snapshot(), capped.snapshot():  # two exports reading
            with live_server(demo_app(capped)) as port:
                client = socket.create_connection(("127.0.0.1", port))
                client.sendall(f"GET /api/export?format=jsonl HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                               "Connection: close\r\n\r\n".encode())
                client.settimeout(30)
                answer = b""
                while chunk := client.recv(65536):
                    answer += chunk
                client.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503") and b"retry-after: " in head.lower(), head
        assert b"exports are reading this store already" in body
        assert capped.open_whole_reads() == 0
    finally:
        capped.close()
