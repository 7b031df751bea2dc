"""`/api/themes` carries what the themes step stored about each theme (issue 18): its aspects (nested
in its row, each with its parent), labels per language, the merges that built it, its sentiment split."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from core.mention import Mention, Sentiment
from dashboards.web.app import create_app
from groundswell.config import BrandConfig
from indexing.sqlite import SqliteStore
from nlp.theme_centroids import make_centroid
from nlp.theme_state import BrandThemes, ThemeState

MERGE = {"parts": ["flight · delayed", "delay · gate"], "sizes": [40, 12], "similarity": 0.61, "why": "mutual nearest"}


def test_themes_carry_parent_labels_and_merges():
    store = SqliteStore(Path(tempfile.mkdtemp()) / "structure.db")
    now = datetime.now(UTC).replace(microsecond=0)
    mentions = [
        Mention(source="x", native_id=str(i), text=f"flight post {i}", created_at=now - timedelta(hours=i + 1),
                brands=["Lumora"], lang="en", themes=["flight", "flight delayed"] if i % 2 else ["flight"],
                sentiment=Sentiment(label="negative", probs={"negative": 1.0}, model="test"))
        for i in range(10)
    ]
    assert all(r.ok for r in store.upsert(mentions))
    rng = np.random.default_rng(1)
    flight = make_centroid("flight", ["en"], rng.normal(size=(10, 8)))
    flight.info = {"labels": {"en": "flight", "it": "volo"}, "sentiment": {"negative": 10, "neutral": 0, "positive": 0}}
    delayed = make_centroid("flight delayed", ["en"], rng.normal(size=(5, 8)))
    delayed.parent, delayed.info = "flight", {"parent": "flight", "merged": [MERGE]}
    ThemeState(store).save("Lumora", BrandThemes([flight, delayed]))
    with TestClient(create_app(store, [BrandConfig(name="Lumora", query="Lumora")]), base_url="http://127.0.0.1") as c:
        body = c.get("/api/themes", params={"brand": "Lumora"}).json()
    store.close()
    rows = {r["theme"]: r for r in body["recurring"]}
    assert rows["flight"]["count"] == 10 and rows["flight"]["labels"] == {"en": "flight", "it": "volo"}
    assert "parent" not in rows["flight"]
    assert rows["flight"]["sentiment"] == {"negative": 10}  # the window's counts, not the stored mix
    # The aspect is no theme of its own beside its parent (its posts count once, in "flight"): it is
    # listed inside its parent's row, with what the themes step stored about it.
    assert "flight delayed" not in rows and "flight delayed" not in {r["theme"] for r in body["rising"]}
    assert rows["flight"]["aspects"] == [
        {"theme": "flight delayed", "count": 5, "parent": "flight", "merged": [MERGE], "label": "flight delayed"}
    ]  # `label`: the name the view shows (dashboards/web/theme_names.shown_label), here its main label
