"""A dashboard write while another process holds the SQLite store's write lock past the wait: a 503 that says
so and when to try again, not an "Internal Server Error" (the correction is not stored). Real SQLite, real app."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from core.mention import Mention, Sentiment
from dashboards.web.app import create_app
from groundswell.config import BrandConfig
from groundswell.sentiment_corrections import corrections
from indexing import sqlite as sqlite_store
from indexing.sqlite import SqliteStore


def test_a_write_on_a_locked_store_is_a_503_to_retry(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_S", 0.2)  # the real wait is 30 s
    store = SqliteStore(tmp_path / "g.db")
    post = Mention(id="x:1", source="x", native_id="1", text="Acme is fine",
                   created_at=datetime(2026, 11, 2, tzinfo=UTC), brands=["Acme"],
                   sentiment=Sentiment(label="positive", probs={"positive": 1.0}, model="t"))
    assert all(r.ok for r in store.upsert([post]))
    holder = sqlite3.connect(tmp_path / "g.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing (a run, `maintain`)
    try:
        with TestClient(create_app(store, [BrandConfig(name="Acme", query="acme")]), base_url="http://127.0.0.1") as c:
            response = c.post("/api/sentiment/correct", json={"ids": ["x:1"], "label": "negative"},
                              headers={"Content-Type": "application/json"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "60"
    assert response.json()["error"].startswith("the store is busy: another process held its write lock")
    assert corrections(store) == {} and store.get(["x:1"])[0].sentiment.label == "positive"
    store.close()
