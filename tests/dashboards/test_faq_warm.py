"""The FAQ page's first visit only clusters: `create_app(warm_faq=True)` (what `groundswell serve` builds)
encodes the default brand's default view at start, so that request encodes nothing (encoding was 14 of the
21 s a cold first visit took on the Apple 2014 store, bench/faq_latency.py). Real e5 encoder, real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Author, Mention
from groundswell.config import BrandConfig
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.model
T0 = datetime(2026, 11, 10, 9, tzinfo=UTC)
ASKED = [
    "Does the Lumora Pulse work with Android phones?",
    "Is the Lumora Pulse waterproof?",
    "How long does the Lumora Pulse battery last?",
    "Can I return my Lumora Pulse after 30 days?",
]


def _posts() -> list[Mention]:
    """Each question asked three times (a group each), and complaints, over the week up to T0 + 3 days."""
    posts = [
        Mention(source="x", native_id=f"q-{i}-{k}", text=f"{text} (asking again {k})", brand="Lumora", lang="en",
                created_at=T0 + timedelta(hours=5 * i + k), author=Author(handle=f"asker_{i}_{k}"), intent="question")
        for i, text in enumerate(ASKED)
        for k in range(3)
    ]
    posts += [
        Mention(source="x", native_id=f"c-{k}", text=f"My Lumora Pulse overheats when charging, day {k}",
                brand="Lumora", lang="en", created_at=T0 + timedelta(hours=k), author=Author(handle=f"hot_{k}"),
                intent="complaint")
        for k in range(4)
    ]
    return posts


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert(_posts()))
    yield store
    store.close()


def _app(store, warm: bool):
    from dashboards.web.app import create_app  # lazy: FastAPI loads only for the tests that build an app

    return create_app(store, [BrandConfig(name="Lumora", query="Lumora")], warm_faq=warm)


def test_the_default_view_is_encoded_at_start_and_its_first_visit_encodes_nothing(store):
    from fastapi.testclient import TestClient  # lazy: as above

    app = _app(store, warm=True)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert app.state.faq_warmed.wait(300)
        encoded = app.state.faq_embeddings.encoded
        assert encoded == len({m.text for m in _posts()})  # every post of the default week, each text once
        body = client.get("/api/faq", params={"brand": "Lumora", "days": "7"}).json()
        assert app.state.faq_embeddings.encoded == encoded  # the request only clustered
        assert body["questions"]["total"] == 12 and body["complaints"]["total"] == 4


def test_without_the_warm_up_nothing_is_encoded_before_the_first_visit(store):
    from fastapi.testclient import TestClient  # lazy: as above

    app = _app(store, warm=False)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert app.state.faq_embeddings.encoded == 0
        client.get("/api/faq", params={"brand": "Lumora", "days": "7"}).raise_for_status()
        assert app.state.faq_embeddings.encoded == len({m.text for m in _posts()})
