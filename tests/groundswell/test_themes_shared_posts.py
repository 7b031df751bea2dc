"""Themes of brands that share posts: one brand's full clustering never wipes another brand's labels.

Theme labels are plain strings on the post, shared by all its brands. A brand with no stored themes (just
added to the config, a damaged `themes:<brand>` entry, an old-version entry) used to drop every label of its
posts, the other brands' included, and those never came back. Real encoder, real SQLite store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlite_support import filled_sqlite

from core.mention import Mention, Sentiment
from groundswell.config import BrandConfig, Config
from groundswell.pipeline import themes_pass
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from nlp.embeddings import SentenceEmbeddings
from nlp.theme_state import PREFIX, ThemeState

pytestmark = pytest.mark.model

TOPICS = [
    ["my charger overheated and melted {w}", "charger got too hot overnight {w}", "charger overheating again {w}"],
    ["delivery arrived two days late {w}", "the courier lost my parcel {w}", "shipping took forever {w}"],
    ["the camera takes stunning night photos {w}", "camera zoom is incredibly sharp {w}",
     "love the colours of the camera {w}"],
]
WORDS = ["today", "again", "honestly", "wow", "ugh", "seriously", "lol", "hmm", "folks", "twice"]
START = datetime(2026, 11, 1, tzinfo=UTC)
BOLT, ACME = BrandConfig(name="Bolt", query="Bolt"), BrandConfig(name="Acme", query="Acme")
LEGACY = "legacy · label"  # a label no configured brand's stored themes own (e.g. a brand since removed)


def _posts() -> list[Mention]:
    return [
        Mention(
            source="x", native_id=f"p{t}-{i}", created_at=START + timedelta(minutes=60 * t + i),
            text="Acme vs Bolt: " + templates[i % 3].format(w=f"{WORDS[i % 10]} {i}"), brands=["Acme", "Bolt"],
            lang="en", sentiment=Sentiment(label="neutral", probs={"neutral": 1.0}, model="test"),
            themes=[LEGACY] if i == 0 else [],
        )
        for t, templates in enumerate(TOPICS) for i in range(30)
    ]


@pytest.fixture(scope="module")
def embeddings() -> SentenceEmbeddings:
    return SentenceEmbeddings()


@pytest.fixture
def store(tmp_path):
    yield from filled_sqlite(tmp_path / "gs.db", _posts())


def _config(store: SqliteStore, *brands: BrandConfig) -> Config:
    return Config(brands=list(brands), store={"path": str(store.path)})


def _labels(store: SqliteStore) -> dict[str, set[str]]:
    return {m.id: set(m.themes) for m in store.iter_mentions(Filters())}


def _theme_bolt_alone(store: SqliteStore, embeddings: SentenceEmbeddings) -> dict[str, set[str]]:
    (done,) = themes_pass(_config(store, BOLT), store, embeddings=embeddings)
    assert (done.mode, done.reason) == ("full", "no centroids")
    before = _labels(store)
    assert all(labels - {LEGACY} for labels in before.values())  # every post got a Bolt theme
    return before


def _survived(before: dict[str, set[str]], after: dict[str, set[str]]) -> bool:
    return all(labels - {LEGACY} <= after[mid] for mid, labels in before.items())


def test_adding_a_brand_keeps_the_other_brands_labels_on_shared_posts(store, embeddings):
    before = _theme_bolt_alone(store, embeddings)
    config = _config(store, BOLT, ACME)

    bolt, acme = themes_pass(config, store, embeddings=embeddings)
    assert (bolt.mode, bolt.new, acme.mode, acme.reason) == ("incremental", 0, "full", "no centroids")
    after = _labels(store)
    assert _survived(before, after)
    assert all(labels & ThemeState(store).load("Acme").labels for labels in after.values())  # Acme themed too
    # A label no configured brand owns is still redone by the brand that starts from nothing.
    assert not any(LEGACY in labels for labels in after.values())

    # Nothing was lost, so nothing looks new to Bolt on the next pass.
    bolt, acme = themes_pass(config, store, embeddings=embeddings)
    assert (bolt.mode, bolt.new, acme.mode, acme.new) == ("incremental", 0, "incremental", 0)
    assert _survived(before, _labels(store))


def test_a_damaged_entry_of_one_brand_keeps_the_other_brands_labels(store, embeddings):
    before = _theme_bolt_alone(store, embeddings)
    config = _config(store, BOLT, ACME)
    themes_pass(config, store, embeddings=embeddings)
    store.set_state(PREFIX + "Acme", "{damaged")  # a truncated write, or an entry of an older version

    bolt, acme = themes_pass(config, store, embeddings=embeddings)
    assert (bolt.mode, acme.mode, acme.reason) == ("incremental", "full", "no centroids")
    assert _survived(before, _labels(store))
