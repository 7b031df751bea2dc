"""Intent views say how many posts of the view carry no intent tag yet (an upgraded store's older posts, before
the backfill reaches them), instead of silently showing fewer: /api/faq's and /api/search?intent='s `untagged`.
Real SQLite and Elasticsearch stores, the real app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures)
from fastapi.testclient import TestClient
from upgrade_backfill_support import NOW, T0, config, old_posts

from dashboards.web.app import create_app
from indexing.sqlite import SqliteStore

PERIOD = {"brand": "Lumora", "since": T0.isoformat(), "until": NOW.isoformat()}


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request, tmp_path) -> Iterator[object]:
    if request.param == "sqlite":
        s = SqliteStore(tmp_path / "g.db")
        assert all(r.ok for r in s.upsert(old_posts()))
        yield s
        s.close()
        return
    from indexing.elasticsearch import ElasticsearchStore

    prefix = f"gs-untagged-{uuid.uuid4().hex[:8]}"
    s = ElasticsearchStore(request.getfixturevalue("es_url"), index_prefix=prefix)
    try:
        assert all(r.ok for r in s.upsert(old_posts()))
        yield s
    finally:
        delete_prefix(s.client, prefix)
        s.close()


def test_intent_views_count_the_posts_not_tagged_yet(store) -> None:
    with TestClient(create_app(store, config()), base_url="http://127.0.0.1") as client:
        search = client.get("/api/search", params={**PERIOD, "intent": "question"})
        assert search.status_code == 200, search.text
        # 14 posts, one tagged (praise): the 10 unflagged campaign posts, two others and the unenriched one
        assert (search.json()["total"], search.json()["untagged"]) == (0, 13)
        narrowed = client.get("/api/search", params={**PERIOD, "intent": "complaint", "q": "charging"})
        assert narrowed.json()["untagged"] == 1  # the other filters apply
        assert "untagged" not in client.get("/api/search", params=PERIOD).json()  # no intent filter: all listed
        faq = client.get("/api/faq", params=PERIOD)
        assert faq.status_code == 200, faq.text
        assert faq.json()["untagged"] == 13 and faq.json()["questions"]["total"] == 0
