"""Theme names that stay put (nlp/theme_align.py): a re-clustering of a grown corpus keeps the stored
themes' labels and posts, names a new topic anew, and a re-run changes nothing.

Real encoder (MiniLM on the configured backend), real SQLite store; the storage is untouched by the change.
"""

from __future__ import annotations

import pytest

from groundswell.config import BrandConfig, Config
from groundswell.pipeline import themes_pass
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from nlp.embeddings import SentenceEmbeddings
from nlp.theme_state import ThemeState
from tests.groundswell.test_themes_incremental import NEW_TOPIC, TOPICS, _posts

pytestmark = pytest.mark.model

# The charger topic grows in other words: re-clustered as they come, its label and its posts' places change.
MORE_CHARGER = ["the Acme charging brick smells of burnt plastic {w}", "Acme power adapter sparks at the plug {w}",
                "Acme wall adapter burnt out {w}"]


@pytest.fixture
def store(tmp_path):
    config = Config(brands=[BrandConfig(name="Acme", query="Acme")], store={"path": str(tmp_path / "gs.db")})
    store = SqliteStore(tmp_path / "gs.db")
    assert all(r.ok for r in store.upsert([m for t, tpl in TOPICS.items() for m in _posts(tpl, 30, t)]))
    yield config, store
    store.close()


def _labels(store) -> dict[str, list[str]]:
    return {m.id: m.brand_themes.get("Acme", []) for m in store.iter_mentions(Filters())}


def _pass(config, store, **kw):
    (done,) = themes_pass(config, store, embeddings=SentenceEmbeddings(backend=config.nlp.backend), **kw)
    return done


def test_a_grown_corpus_reclustered_keeps_the_stored_names_and_posts(store):
    config, store = store
    first = _pass(config, store)
    assert first.mode == "full"
    before = _labels(store)
    old_names = {label for labels in before.values() for label in labels}
    assert len(old_names) >= 3

    grown = _posts(MORE_CHARGER, 45, "morecharger", hours=48) + _posts(NEW_TOPIC, 45, "scandal", hours=72)
    assert all(r.ok for r in store.upsert(grown))
    done = _pass(config, store, full=True)
    after = _labels(store)

    # Every stored post keeps its theme (and aspect) under its name: week-1 figures stay. A theme that grew
    # may gain aspects, so a stored post may gain one under the same theme, never lose or swap a label.
    assert {mid: after[mid][:len(labels)] for mid, labels in before.items()} == before
    assert done.kept == len(old_names)
    assert done.moved == sum(after[mid] != labels for mid, labels in before.items())
    # The new topic is named anew, never under a stored theme's name.
    scandal = {label for mid, labels in after.items() if ":scandal" in mid for label in labels}
    assert scandal and not scandal & old_names, scandal
    assert old_names <= ThemeState(store).load("Acme").labels

    # Re-runs change nothing: an incremental pass (nothing new), then a full one, twice.
    for full in (False, True, True):
        _pass(config, store, full=full)
        assert _labels(store) == after
