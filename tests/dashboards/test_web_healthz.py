"""/healthz reads the store: 200 (fast) while it answers, 503 with a one-line reason once it cannot be read (a file
damaged under a running dashboard), open without the token and saying nothing of the data."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from core.mention import Mention
from dashboards.web.app import create_app
from groundswell.config import BrandConfig
from indexing.sqlite import SqliteStore

TOKEN = "t" * 24
BRANDS = [BrandConfig(name="Acme", query="acme")]


def _store(tmp_path) -> SqliteStore:
    store = SqliteStore(tmp_path / "g.db")
    store.upsert([Mention(id=f"hackernews:{i}", native_id=str(i), source="hackernews", text=f"acme post {i}",
                          brand="Acme", created_at=datetime(2026, 1, 1, 12, i, tzinfo=UTC)) for i in range(3)])
    return store


def test_healthz_is_503_with_a_reason_once_the_store_file_is_damaged(tmp_path):
    store = _store(tmp_path)
    with TestClient(create_app(store, BRANDS, token=TOKEN)) as client:
        ok = client.get("/healthz")  # no token: a load balancer's probe
        assert ok.status_code == 200 and ok.json() == {"status": "ok", "store": "sqlite"}
        took = []
        for _ in range(50):
            start = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            took.append(time.perf_counter() - start)
        assert sorted(took)[25] < 0.05, took  # the median: a probe every few seconds costs nothing
        (tmp_path / "g.db").write_bytes(b"\0" * (tmp_path / "g.db").stat().st_size)  # damaged while serving
        bad = client.get("/healthz")
        assert bad.status_code == 503, bad.text
        body = bad.json()
        assert body["status"] == "unavailable" and set(body) == {"status", "store", "reason"}
        assert "\n" not in body["reason"] and "acme post" not in bad.text
        assert client.get("/api/meta").status_code == 401  # the rest still needs the token
