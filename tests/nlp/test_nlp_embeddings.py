"""Sentence embeddings handed from sentiment to themes (nlp/embeddings.py), explicitly and per run."""

from datetime import UTC, datetime

import numpy as np
import pytest

from core.mention import Mention
from nlp.config import NlpConfig
from nlp.embeddings import SENTENCE_DIM, SentenceEmbeddings
from nlp.enrich import Enricher
from nlp.normalize import normalize
from nlp.themes import extract_themes


def test_kept_vectors_come_back_in_order_without_encoding():
    kept = SentenceEmbeddings()
    vectors = np.arange(3 * SENTENCE_DIM, dtype=np.float32).reshape(3, SENTENCE_DIM)
    kept.keep(["a", "b", "c"], vectors)
    out = kept.for_texts(["c", "a", "c"])
    assert np.array_equal(out, vectors[[2, 0, 2]])
    assert kept.encoded == 0  # nothing needed the encoder
    assert kept.for_texts([]).shape == (0, SENTENCE_DIM)


def test_the_oldest_vectors_go_first_past_the_bound():
    kept = SentenceEmbeddings(max_kept=2)
    kept.keep(["a", "b"], np.zeros((2, SENTENCE_DIM), dtype=np.float32))
    kept.keep(["a"], np.ones((1, SENTENCE_DIM), dtype=np.float32))  # "a" is now the newest
    kept.keep(["c"], np.ones((1, SENTENCE_DIM), dtype=np.float32))
    assert len(kept) == 2
    assert np.array_equal(kept.for_texts(["a", "c"]), np.ones((2, SENTENCE_DIM), dtype=np.float32))


@pytest.mark.model
def test_themes_reuse_what_sentiment_encoded(default_model):
    texts = ["the charger overheated and melted", "il caricatore si è surriscaldato", "delivery was quick",
             "充电器过热熔化了", "камера снимает отлично", "love the new camera colours"] * 4
    mentions = [
        Mention(source="test", native_id=str(i), text=f"{t} #{i}", created_at=datetime(2026, 11, 1, tzinfo=UTC))
        for i, t in enumerate(texts)
    ]
    handed = SentenceEmbeddings()
    enricher = Enricher(NlpConfig(), handed)
    enricher._model = default_model  # the session's instance: the same model Enricher would load
    enriched = enricher.enrich(mentions)
    assert len(handed) == len(mentions)

    with_handover = extract_themes(enriched, max_themes=5, embeddings=handed)
    assert handed.encoded == 0  # themes ran no encoder pass of their own
    # The handed vectors are the ones themes would compute on their own (up to batching noise).
    fresh = SentenceEmbeddings()
    own = [normalize(m.text) for m in enriched]
    assert np.allclose(handed.for_texts(own), fresh.for_texts(own), atol=1e-4)
    assert fresh.encoded == len(mentions)
    assert with_handover == extract_themes(enriched, max_themes=5)
