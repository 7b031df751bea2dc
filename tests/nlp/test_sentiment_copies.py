"""Copies are read once: SentimentModel.predict gives every row equal in (normalised text, language) the
answer of the first, without asking the model again; and the pipeline's enrich step puts copies together."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.sentiment_base import SentimentModel

TEXTS = [
    "RT @alice: My Lumora Pulse caught fire while charging",
    "Love the new camera, best phone I've had",
    "RT @bob: My Lumora Pulse caught fire while charging",  # the same retweet by another handle
    "   ",
    "Love the new camera, best phone I've had",
    "Love the new camera, best phone I've had",
]
LANGS = ["en", "en", "en", None, "en", "fr"]  # the last is another (text, language): read apart


class CountingModel(SentimentModel):
    """The base class's rule on its own: `_probabilities` records what it was asked (a test double
    for the bookkeeping only; the real models are checked below)."""

    name = "counting"
    uncertain_below = 0.5

    def __init__(self) -> None:
        self.asked: list[tuple[str, str | None]] = []

    def _probabilities(self, texts, langs, batch_size, keep=None):
        self.asked.extend(zip(texts, langs, strict=True))
        return np.array([[0.1, 0.2, 0.7] if "Love" in t else [0.8, 0.1, 0.1] for t in texts])


def test_each_distinct_text_and_language_is_read_once_and_every_row_gets_its_answer():
    model = CountingModel()
    preds = model.predict(TEXTS, LANGS)
    assert [p.label for p in preds] == ["negative", "positive", "negative", "neutral", "positive", "positive"]
    assert len(model.asked) == 3  # the two retweets as one, the praise in en, the praise in fr; not the blank
    assert [lang for _, lang in model.asked] == ["en", "en", "fr"]
    every = CountingModel()
    assert every.predict(TEXTS, LANGS, each_distinct_once=False) == preds
    assert len(every.asked) == 5  # every readable row


@pytest.mark.model
def test_the_default_model_gives_copies_what_it_gives_them_read_apart(default_model):
    once = default_model.predict(TEXTS, LANGS)
    apart = default_model.predict(TEXTS, LANGS, each_distinct_once=False)
    assert once[0] == once[2] and once[1] == once[4]
    assert [p.label for p in once] == [p.label for p in apart]
    for a, b in zip(once, apart, strict=True):  # other batch neighbours pad differently: rounding only
        assert all(abs(a.probs[k] - b.probs[k]) < 1e-3 for k in a.probs)


@pytest.mark.model
def test_the_enrich_step_reads_retweets_by_different_handles_once(tmp_path, default_model):
    """The pipeline's enrich step on a real SQLite store: 60 retweets of one post by 7 handles among 68 other
    posts, in pieces of 16: copies share pieces and the model reads them once a piece; every copy is stored."""
    from datetime import UTC, datetime, timedelta

    from core.mention import Mention
    from groundswell.config import load_config
    from groundswell.pipeline import enrich
    from indexing.sqlite import SqliteStore
    from nlp.enrich import Enricher

    class ReadRecorder(type(default_model)):
        """The shipped model (same files), noting every text its encoder is asked to read."""

        read: list[str] = []

        def _probabilities(self, texts, langs, batch_size, keep=None):
            self.read.extend(texts)
            return super()._probabilities(texts, langs, batch_size, keep)

    db = tmp_path / "g.db"
    store = SqliteStore(str(db))
    start = datetime(2026, 11, 1, tzinfo=UTC)
    retweet = "the battery of my Lumora swelled overnight"
    # Handles of 1 to 7 letters: the raw texts differ in length, the texts the model reads do not; other
    # posts of each of those lengths sit between them when sorted by raw length.
    raw = [f"RT @{'u' * (1 + i % 7)}: {retweet}" for i in range(128)]
    texts = [raw[i] if i % 2 else f"other post {i:03d} ".ljust(len(raw[i]), "z") for i in range(128)]
    assert all(r.ok for r in store.upsert([
        Mention(source="import", native_id=str(i), created_at=start + timedelta(minutes=i), lang="en", text=text)
        for i, text in enumerate(texts)]))
    config_path = tmp_path / "groundswell.yaml"
    config_path.write_text("brands:\n  - name: Lumora\n    query: lumora\n"
                           f"sources:\n  - type: import\n    options: {{path: {tmp_path / 'none.jsonl'}}}\n"
                           f"store: {{type: sqlite, path: {db}}}\nnlp: {{batch_size: 16}}\n", encoding="utf-8")
    config = load_config(str(config_path))
    enricher = Enricher(config.nlp, model=ReadRecorder(default_model.model_dir))
    report = enrich(config, store, enricher=enricher)
    assert report.enriched == 128
    # 64 copies sorted together fill 4 or 5 pieces of 16: read once in each, not 64 times.
    assert 1 <= sum(retweet in t for t in ReadRecorder.read) <= 5
    assert len(ReadRecorder.read) <= 64 + 5
    stored = [m for m in store.iter_mentions() if retweet in m.text]
    assert len(stored) == 64 and len({m.sentiment.probs["negative"] for m in stored}) == 1
    store.close()
