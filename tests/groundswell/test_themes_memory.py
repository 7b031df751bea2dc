"""A themes pass never holds a brand's window as whole `Mention`s (groundswell/themes_step.py, nlp/theme_posts.py).

A full pass holds every enriched post of the window at once. As `Mention`s (author, engagement, extra, sentiment
probabilities) a 300,000-post window took 3.7 GB before clustering began; the step now streams the store's read
into `ThemePost`s, so a mention the store hands it is gone before the next. Observed on the real SQLite store:
`CountingStore` is the real store, noting which of the mentions its `iter_mentions` gave are still alive (weak
references) each time it gives one more. Real encoder, real pass; the labels it writes are checked too.
"""

from __future__ import annotations

import weakref
from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Mention, Sentiment
from groundswell.config import BrandConfig, Config
from groundswell.pipeline import themes_pass
from indexing.base import Filters
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.model

TOPICS = [
    "my Acme charger overheated and melted {w}", "Acme charger got too hot overnight {w}",
    "Acme delivery arrived two days late {w}", "the Acme courier lost my parcel {w}",
    "the Acme camera takes stunning night photos {w}", "love the colours of the Acme camera {w}",
]
START = datetime(2026, 11, 1, tzinfo=UTC)
POSTS = 120


class CountingStore(SqliteStore):
    """The real SQLite store; `most_alive`: the most mentions of its `iter_mentions` alive at once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.most_alive = 0
        self.given = 0

    def iter_mentions(self, filters=None, chunk: int = 2000):
        alive: list[weakref.ref[Mention]] = []  # Mentions are unhashable: no WeakSet
        for m in super().iter_mentions(filters, chunk):
            alive = [r for r in alive if r() is not None] + [weakref.ref(m)]
            self.given += 1
            self.most_alive = max(self.most_alive, len(alive))
            yield m


def _posts(n: int, prefix: str, minutes: int = 0) -> list[Mention]:
    return [
        Mention(
            source="x", native_id=f"{prefix}{i}", text=TOPICS[i % len(TOPICS)].format(w=f"take {i}"),
            created_at=START + timedelta(minutes=minutes + i), brands=["Acme"], lang="en",
            sentiment=Sentiment(label="negative" if i % 3 else "neutral", probs={"neutral": 1.0}, model="test"),
            author={"handle": f"user{i}", "followers": i}, engagement={"likes": i}, extra={"conversation": str(i)},
        )
        for i in range(n)
    ]


def test_a_full_and_an_incremental_pass_hold_no_more_than_the_mention_being_read(tmp_path):
    config = Config(brands=[BrandConfig(name="Acme", query="Acme")], store={"path": str(tmp_path / "gs.db")})
    store = CountingStore(tmp_path / "gs.db")
    try:
        assert all(r.ok for r in store.upsert(_posts(POSTS, "p")))
        (first,) = themes_pass(config, store)
        assert first.mode == "full" and first.themes
        assert store.given >= POSTS
        # The mention just read, and the one before it until the next replaces it: never the window.
        assert store.most_alive <= 2, f"{store.most_alive} of {store.given} mentions alive at once"
        stored = list(SqliteStore.iter_mentions(store, Filters()))
        assert all(m.brand_themes.get("Acme") for m in stored[:10])  # the labels were written back
        assert {m.author.handle for m in stored} == {f"user{i}" for i in range(POSTS)}  # the rest of each post kept
        assert all(m.engagement.likes == int(m.native_id[1:]) for m in stored)

        assert all(r.ok for r in store.upsert(_posts(30, "n", minutes=POSTS)))
        store.most_alive = store.given = 0
        (second,) = themes_pass(config, store)
        assert second.mode == "incremental" and second.new == 30
        assert store.most_alive <= 2, f"{store.most_alive} of {store.given} mentions alive at once"
    finally:
        store.close()
