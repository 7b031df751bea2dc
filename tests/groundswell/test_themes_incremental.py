"""Incremental themes (issue 18): new posts join stored themes; nothing new costs no encoder pass.

Real encoder (MiniLM on the configured backend), real SQLite store, real CLI. The encoder is
observed, not replaced: `CountingEmbeddings` is the real `SentenceEmbeddings` counting its calls.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.mention import Mention, Sentiment
from groundswell.cli import cli
from groundswell.config import BrandConfig, Config
from groundswell.pipeline import themes_pass
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from nlp.embeddings import SentenceEmbeddings
from nlp.theme_centroids import DRIFT_MIN_NEW
from nlp.theme_state import ThemeState

pytestmark = pytest.mark.model

TOPICS = {
    "charger": ["my Acme charger overheated and melted {w}", "Acme charger got too hot overnight {w}",
                "charger overheating again on the Acme phone {w}"],
    "delivery": ["Acme delivery arrived two days late {w}", "the Acme courier lost my parcel {w}",
                 "shipping from Acme took forever {w}"],
    "camera": ["the Acme camera takes stunning night photos {w}", "Acme camera zoom is incredibly sharp {w}",
               "love the colours of the Acme camera {w}"],
}
NEW_TOPIC = ["Acme CEO resigned after the accounting scandal {w}", "Acme board fires chief executive over fraud {w}",
             "accounting fraud investigation into Acme executives {w}"]
WORDS = ["today", "again", "honestly", "wow", "ugh", "seriously", "lol", "hmm", "folks", "twice", "yesterday",
         "finally", "sadly", "really", "still", "now", "ok", "so", "well", "yikes"]
START = datetime(2026, 11, 1, tzinfo=UTC)


class CountingEmbeddings(SentenceEmbeddings):
    """The real embeddings, counting how often themes asked for vectors (an observation, not a mock)."""

    def __init__(self, backend: str | None) -> None:
        super().__init__(backend=backend)
        self.calls = 0

    def for_texts(self, texts, batch_size=64, progress=False):
        self.calls += 1
        return super().for_texts(texts, batch_size=batch_size, progress=progress)


def _posts(templates: list[str], n: int, prefix: str, hours: int = 0) -> list[Mention]:
    return [
        Mention(
            source="x", native_id=f"{prefix}{i}", text=templates[i % len(templates)].format(w=f"{WORDS[i % 20]} {i}"),
            created_at=START + timedelta(hours=hours, minutes=i), brands=["Acme"], lang="en",
            sentiment=Sentiment(label="neutral", probs={"neutral": 1.0}, model="test"),
        )
        for i in range(n)
    ]


@pytest.fixture
def setup(tmp_path):
    config = Config(brands=[BrandConfig(name="Acme", query="Acme")], store={"path": str(tmp_path / "gs.db")})
    store = SqliteStore(tmp_path / "gs.db")
    base = [m for topic, templates in TOPICS.items() for m in _posts(templates, 30, topic)]
    assert all(r.ok for r in store.upsert(base))
    yield config, store
    store.close()


def _run(config, store, **kw):
    emb = CountingEmbeddings(config.nlp.backend)
    (done,) = themes_pass(config, store, embeddings=emb, **kw)
    return done, emb


def _labels_of(store, prefix: str) -> list[list[str]]:
    return [m.themes for m in store.iter_mentions(Filters()) if m.native_id.startswith(prefix)]


def test_first_pass_clusters_then_a_noop_pass_never_calls_the_encoder(setup):
    config, store = setup
    first, emb = _run(config, store)
    assert (first.mode, first.reason) == ("full", "no centroids")
    assert emb.calls >= 1 and first.themes
    assert ThemeState(store).load("Acme") is not None

    again, emb = _run(config, store)
    assert (again.mode, again.new) == ("incremental", 0)
    assert emb.calls == 0 and emb.encoded == 0
    assert again.themes == first.themes


def test_new_posts_get_the_existing_theme_labels_and_only_they_are_encoded(setup):
    config, store = setup
    _run(config, store)
    charger_labels = {t for labels in _labels_of(store, "charger") for t in labels}
    assert charger_labels
    new = _posts(TOPICS["charger"], 12, "newcharger", hours=48)
    assert all(r.ok for r in store.upsert(new))

    done, emb = _run(config, store)
    assert (done.mode, done.new) == ("incremental", 12)
    assert emb.encoded == 12  # the new posts, not the history
    got = _labels_of(store, "newcharger")
    # A theme's radius is the cosine 90% of its own members reach, so about 1 in 10 posts like them
    # falls outside by design: at least 3 in 4 of the new ones must get the existing labels.
    assert sum(bool(labels) for labels in got) >= 9, got
    assert {t for labels in got for t in labels} <= charger_labels
    # A post that fit nothing is remembered: the next pass encodes nothing.
    _, emb = _run(config, store)
    assert emb.encoded == 0


def test_a_new_topic_drifts_and_triggers_a_full_recluster(setup):
    config, store = setup
    first, _ = _run(config, store)
    assert all(r.ok for r in store.upsert(_posts(NEW_TOPIC, DRIFT_MIN_NEW + 10, "scandal", hours=72)))

    done, _ = _run(config, store)
    assert (done.mode, done.reason) == ("full", "drift")
    scandal = {t for labels in _labels_of(store, "scandal") for t in labels}
    assert scandal and not scandal & {t["label"] for t in first.themes}


def test_cli_full_reclusters_on_request(setup):
    config, store = setup
    path = Path(config.store.path)
    config_file = path.parent / "groundswell.yaml"
    config_file.write_text(f"brands:\n  - name: Acme\n    query: Acme\nstore:\n  path: {path}\n")
    runner = CliRunner()
    for expected in ({"mode": "full", "reason": "no centroids"}, {"mode": "incremental", "reason": ""},
                     {"mode": "full", "reason": "asked"}):
        full = ["--full"] if expected["reason"] == "asked" else []
        args = ["themes", "--config", str(config_file), "--no-progress", *full]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        (done,) = json.loads(result.output.strip().splitlines()[-1])["themes"]
        assert {k: done[k] for k in expected} == expected
        assert done["themes"]


def test_a_later_post_is_placed_with_the_stored_language_means(tmp_path):
    """A Korean crisis post arriving after the full clustering joins the crisis theme of all three
    scripts: the incremental pass moves it by the same language means (stored with the centroids)."""
    from multilingual_crisis import CRISIS, corpus, posts

    config = Config(brands=[BrandConfig(name="Acme", query="Acme")], store={"path": str(tmp_path / "gs.db")})
    store = SqliteStore(tmp_path / "gs.db")
    try:
        assert all(r.ok for r in store.upsert(corpus()))
        first, _ = _run(config, store)
        assert first.mode == "full"
        saved = ThemeState(store).load("Acme")
        assert sorted(saved.centring.means) == ["en", "ko", "zh"]
        crisis = {m.id: m.themes for m in store.iter_mentions(Filters()) if m.native_id.startswith("c")}
        by_label: dict[str, set[str]] = {}
        for mid, labels in crisis.items():
            for label in labels:
                by_label.setdefault(label, set()).add(mid.split(":")[1][1:3])
        joined = {label for label, langs in by_label.items() if langs == {"en", "ko", "zh"}}
        assert joined, by_label

        # The burn and the smoke (the recall demand is a theme of its own), in wordings never seen.
        late = posts({"ko": CRISIS["ko"][:2]}, 8, "late", "negative", tails=[" 🔥", " ㅠㅠ", " 진짜", " 헐"], hours=48)
        assert all(r.ok for r in store.upsert(late))
        done, emb = _run(config, store)
        assert (done.mode, done.new, emb.encoded) == ("incremental", 8, 8)
        got = _labels_of(store, "late")
        # About 1 in 10 posts like a theme's own falls outside its radius by design.
        assert sum(bool(set(labels) & joined) for labels in got) >= 6, (got, joined)
    finally:
        store.close()
