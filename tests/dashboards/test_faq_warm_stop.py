"""The FAQ warm-up stops when the dashboard shuts down: it encodes `WARM_CHUNK` texts at a time and checks the
app's stop flag between chunks, so Ctrl+C waits for one chunk, not for every post of the default view (the s63
review: SIGINT 4 s after `serve` started took 9.5 s to exit, 2.1 s without the warm-up). Real e5 encoder, real
SQLite store, the app's real lifespan through TestClient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Author, Mention
from dashboards.web.faq import WARM_CHUNK
from groundswell.config import BrandConfig
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.model
T0 = datetime(2026, 11, 10, 9, tzinfo=UTC)
CHUNKS = 8


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    posts = [Mention(source="x", native_id=f"q-{i}", text=f"Does the Lumora Pulse {i} fit model {i * 7}?",
                     brand="Lumora", lang="en", created_at=T0 + timedelta(minutes=i),
                     author=Author(handle=f"asker_{i}"), intent="question")
             for i in range(WARM_CHUNK * CHUNKS)]
    assert all(r.ok for r in store.upsert(posts))
    yield store
    store.close()


def test_a_shutdown_during_the_warm_up_stops_it_before_its_remaining_chunks(store):
    from fastapi.testclient import TestClient  # lazy: FastAPI loads only for the tests that build an app

    from dashboards.web.app import create_app  # lazy: as above

    app = create_app(store, [BrandConfig(name="Lumora", query="Lumora")], warm_faq=True)
    embeddings = app.state.faq_embeddings
    with TestClient(app, base_url="http://127.0.0.1"):
        while embeddings.encoded == 0 and not app.state.faq_warmed.is_set():
            app.state.faq_warmed.wait(0.01)  # the warm-up has encoded its first chunk
        assert not app.state.faq_warmed.is_set(), "the warm-up ran to its end before the shutdown could stop it"
    # The shutdown set the stop flag and waited for the warm-up: it stopped between chunks and holds no lock.
    assert app.state.faq_stop.is_set() and app.state.faq_warmed.is_set()
    with app.state.faq_lock:  # nothing is still encoding (the old warm-up held this lock to its end)
        done = embeddings.encoded
    assert 0 < done < WARM_CHUNK * CHUNKS and done % WARM_CHUNK == 0, done

