"""The Themes page counts a brand's own themes only: a post that also names the other brand never brings that
brand's clusters into the list (the GOP debate stream: Jeb Bush's #2 theme was Donald Trump's, and his themes
summed to 154% of his mentions). Real SQLite store, the real app."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from web_support import demo_app

from core.mention import Mention, Sentiment
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
PERIOD = {"since": "2026-11-02", "until": "2026-11-05"}


def _post(i: int, brands: list[str], brand_themes: dict[str, list[str]]) -> Mention:
    return Mention(
        source="x", native_id=f"w{i}", created_at=T0 + timedelta(minutes=i), text=f"post {i}", brands=brands,
        lang="en", sentiment=Sentiment(label="neutral", probs={"neutral": 1.0}, model="test"),
        themes=list(dict.fromkeys(t for v in brand_themes.values() for t in v)), brand_themes=brand_themes,
    )


# Sonique's big theme sits on many posts that name Lumora too; Lumora's own clustering put them elsewhere.
CORPUS = [
    *(_post(i, ["Lumora", "Sonique"], {"Lumora": ["battery"], "Sonique": ["fox news"]}) for i in range(20)),
    *(_post(100 + i, ["Lumora"], {"Lumora": ["price"]}) for i in range(8)),
    *(_post(200 + i, ["Sonique"], {"Sonique": ["fox news"]}) for i in range(30)),
    *(_post(300 + i, ["Lumora", "Sonique"], {"Lumora": ["price"], "Sonique": ["price"]}) for i in range(4)),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("themebrands") / "gs.db")
    assert all(r.ok for r in store.upsert(CORPUS))
    with TestClient(demo_app(store), base_url="http://127.0.0.1") as client:
        yield client
    store.close()


def test_a_brands_themes_are_its_own_and_add_up_to_its_mentions(client):
    body = client.get("/api/themes", params={"brand": "Lumora", "n": 50, **PERIOD}).json()
    counts = {r["theme"]: r["count"] for r in body["recurring"]}
    assert counts == {"battery": 20, "price": 12}  # never Sonique's "fox news"; Sonique's "price" not added
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/api/themes", params={"brand": "Lumora", "n": 50, "format": "csv", **PERIOD}).text.lstrip("\ufeff"))))
    assert sum(float(r["share"]) for r in rows) == pytest.approx(1.0)
    stored = {m.id: m for m in CORPUS}
    for r in body["recurring"]:  # a card's sample posts are of its own cluster
        assert r["samples"] and all(r["theme"] in stored[s["id"]].brand_themes["Lumora"] for s in r["samples"])
    sonique = client.get("/api/themes", params={"brand": "Sonique", "n": 50, **PERIOD}).json()
    assert {r["theme"]: r["count"] for r in sonique["recurring"]} == {"fox news": 50, "price": 4}


def test_a_cards_explore_link_counts_what_the_card_counts(client):
    body = client.get("/api/themes", params={"brand": "Lumora", "n": 50, **PERIOD}).json()
    for r in body["recurring"]:
        found = client.get("/api/search", params={"brand": "Lumora", "theme": r["theme"], "size": 100, **PERIOD})
        assert found.json()["total"] == r["count"], r["theme"]
    assert client.get("/api/search", params={"brand": "Lumora", "theme": "fox news", **PERIOD}).json()["total"] == 0
    # No brand: the posts any brand's themes gave that label.
    assert client.get("/api/search", params={"theme": "fox news", **PERIOD}).json()["total"] == 50
