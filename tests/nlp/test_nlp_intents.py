"""Intent tags (nlp/intents.py): the head, its on-disk format, and the enrich step that runs it."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from core.mention import INTENT_LABELS, Mention
from nlp.config import NlpConfig
from nlp.embeddings import SentenceEmbeddings
from nlp.enrich import Enricher
from nlp.intents import INTENTS, IntentTagger, question_cues, shipped_tagger
from nlp.normalize import normalize


def _mention(i: int, text: str) -> Mention:
    return Mention(source="test", native_id=str(i), text=text, created_at=datetime(2026, 11, 1, tzinfo=UTC))


def test_the_tagger_and_the_mention_agree_on_the_labels():
    assert INTENTS == INTENT_LABELS
    assert shipped_tagger().labels == INTENTS  # the shipped weights cover every intent, in that order


def test_question_cues_per_language():
    texts = ["@user how do i reset my router", "Love it", "Wie lange dauert das", "¿Dónde está?", "이거 언제 와요",
             "배송 빨라요", "Acme rocks?"]
    langs = ["en", "en", "de", "es", "ko", "ko", None]
    cues = question_cues(texts, langs)
    assert cues[:, 1].tolist() == [1, 0, 1, 1, 1, 0, 0]  # interrogative of the post's language
    assert cues[:, 0].tolist() == [0, 0, 0, 1, 0, 0, 1]  # a question mark, any language


def test_a_saved_tagger_loads_back_and_predicts_the_same(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(60, 384)).astype(np.float32)
    intents = [INTENTS[i % len(INTENTS)] for i in range(60)]
    vectors[np.arange(60), np.arange(60) % len(INTENTS)] += 5.0  # separable: intent i lights up dimension i
    texts, langs = ["post"] * 60, ["en"] * 60
    tagger = IntentTagger.fit(vectors, texts, langs, intents)
    assert tagger.predict(vectors, texts, langs) == intents
    tagger.save(tmp_path, {"examples": 60})
    loaded = IntentTagger.load(tmp_path)
    assert loaded.predict(vectors, texts, langs) == intents and loaded.manifest["examples"] == 60
    with pytest.raises(FileNotFoundError, match="tools.intents.train"):
        IntentTagger.load(tmp_path / "missing")


@pytest.mark.model
def test_enrich_tags_intents_from_the_embeddings_sentiment_kept(default_model):
    """One e5 pass per post: intents read what sentiment kept (when its model computes e5 embeddings) or
    encode them into the run's shared `SentenceEmbeddings`, where themes find them later."""
    embeddings = SentenceEmbeddings()
    enricher = Enricher(NlpConfig(), embeddings)
    enricher._model = default_model  # the session's instance: same as Enricher would load
    mentions = [
        _mention(1, "How do I reset my Acme router to factory settings?"),
        _mention(2, "Acme charged me twice and support keeps ignoring me. Terrible."),
        _mention(3, "Wäre toll, wenn es die Acme App auch im Dunkelmodus gäbe"),
        _mention(4, "Acme 新款耳机太好用了，强烈推荐给大家！"),
    ]
    out = enricher.enrich(mentions)
    assert [m.intent for m in out] == ["question", "complaint", "suggestion", "praise"]
    first = embeddings.encoded
    assert first <= len(mentions)
    embeddings.for_texts([normalize(m.text) for m in mentions])  # what the themes step asks for
    assert embeddings.encoded == first
    off = Enricher(NlpConfig(intents=False), SentenceEmbeddings())
    off._model = default_model
    assert [m.intent for m in off.enrich(mentions)] == [None] * 4
