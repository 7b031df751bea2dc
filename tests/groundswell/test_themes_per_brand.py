"""The themes step writes each brand's themes of a post as that brand's (`Mention.brand_themes`), and a brand's
theme figures count only those: the other brand of a shared post never leaks its clusters in.

Acme and Bolt share the charger posts; delivery posts are Acme's alone, camera posts Bolt's alone. Real encoder,
real SQLite store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlite_support import filled_sqlite

from alerts.theme_tree import top_themes
from core.mention import Mention, Sentiment
from groundswell.config import BrandConfig, Config
from groundswell.pipeline import themes_pass
from indexing.base import THEMES, Filters
from indexing.sqlite import SqliteStore
from nlp.embeddings import SentenceEmbeddings
from nlp.theme_state import ThemeState

pytestmark = pytest.mark.model

TOPICS = {
    ("Acme", "Bolt"): ["Acme vs Bolt: my charger overheated and melted {w}", "Bolt or Acme, the charger got hot {w}",
                       "Acme and Bolt chargers overheating again {w}"],
    ("Acme",): ["Acme delivery arrived two days late {w}", "the Acme courier lost my parcel {w}",
                "Acme shipping took forever {w}"],
    ("Bolt",): ["the Bolt camera takes stunning night photos {w}", "Bolt camera zoom is incredibly sharp {w}",
                "love the colours of the Bolt camera {w}"],
}
WORDS = ["today", "again", "honestly", "wow", "ugh", "seriously", "lol", "hmm", "folks", "twice"]
START = datetime(2026, 11, 1, tzinfo=UTC)
BRANDS = [BrandConfig(name="Acme", query="Acme"), BrandConfig(name="Bolt", query="Bolt")]


def _posts() -> list[Mention]:
    return [
        Mention(
            source="x", native_id=f"p{t}-{i}", created_at=START + timedelta(minutes=60 * t + i),
            text=templates[i % 3].format(w=f"{WORDS[i % 10]} {i}"), brands=list(brands), lang="en",
            sentiment=Sentiment(label="neutral", probs={"neutral": 1.0}, model="test"),
        )
        for t, (brands, templates) in enumerate(TOPICS.items()) for i in range(30)
    ]


@pytest.fixture(scope="module")
def embeddings() -> SentenceEmbeddings:
    return SentenceEmbeddings()


@pytest.fixture
def store(tmp_path):
    yield from filled_sqlite(tmp_path / "gs.db", _posts())


def _stored(store: SqliteStore) -> dict[str, tuple[list[str], dict[str, list[str]]]]:
    return {m.id: (m.themes, m.brand_themes) for m in store.iter_mentions(Filters())}


def test_each_brand_counts_only_its_own_themes_and_a_rerun_changes_nothing(store, embeddings):
    config = Config(brands=BRANDS, store={"path": str(store.path)})
    themes_pass(config, store, embeddings=embeddings)
    for brand in ("Acme", "Bolt"):
        own = ThemeState(store).load(brand).labels
        counted = store.top_themes(Filters(brand=brand), n=100)
        assert counted and {t.theme for t in counted} <= own, brand  # no label of the other brand's themes
        rows = top_themes(store, Filters(brand=brand), n=100)  # top-level, aspects nested: a post counts once
        assert sum(r.count for r in rows) <= store.count(Filters(brand=brand)), brand
        for t in counted:  # Explore's theme filter (a card's link) counts what the list counts
            assert store.count(Filters(brand=brand, theme=t.theme)) == t.count, (brand, t.theme)
    for m in store.iter_mentions(Filters()):
        assert set(m.brand_themes) <= set(m.brands), m.id
        assert m.themes == list(dict.fromkeys(t for v in m.brand_themes.values() for t in v)), m.id

    before = _stored(store)
    passes = themes_pass(config, store, embeddings=embeddings)
    assert [(p.mode, p.new) for p in passes] == [("incremental", 0), ("incremental", 0)]
    assert _stored(store) == before


def test_posts_themed_before_brand_themes_are_attributed_by_the_next_pass(store, embeddings):
    config = Config(brands=BRANDS, store={"path": str(store.path)})
    themes_pass(config, store, embeddings=embeddings)
    before = _stored(store)
    assert all(per for themes, per in before.values() if themes)
    # As a store from before `brand_themes` holds them: the labels alone.
    old = [m.model_copy(update={"brand_themes": {}}) for m in store.iter_mentions(Filters())]
    assert all(r.ok for r in store.upsert(old, fields=THEMES))
    passes = themes_pass(config, store, embeddings=embeddings)
    assert [(p.mode, p.new) for p in passes] == [("incremental", 0), ("incremental", 0)]  # nothing re-encoded
    acme, bolt = ThemeState(store).load("Acme").labels, ThemeState(store).load("Bolt").labels
    after = _stored(store)
    for mid, (themes, per) in before.items():
        if not set(themes) & acme & bolt:  # a label both brands' themes hold is ambiguous: `themes --full` redraws
            assert after[mid] == (themes, per), mid
