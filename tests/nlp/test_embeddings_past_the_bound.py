"""More distinct texts in one `for_texts` call than `SentenceEmbeddings` keeps (nlp/embeddings.py `MAX_KEPT`).

A full themes pass over a window of more than 50,000 distinct texts asks for all of them at once: the kept vectors
were evicted before they were read back (a KeyError), and the rows kept held the whole batch's array alive."""

import numpy as np
import pytest

from nlp.embeddings import SENTENCE_DIM, SentenceEmbeddings

pytestmark = pytest.mark.model


def test_a_call_with_more_texts_than_kept_returns_every_vector():
    texts = ["the charger overheated", "delivery was late", "lovely camera", "the charger overheated", "pricey"]
    small = SentenceEmbeddings(max_kept=2)
    small.keep(["pricey"], np.ones((1, SENTENCE_DIM), dtype=np.float32))  # kept before the call, evicted by it
    out = small.for_texts(texts)
    assert out.shape == (5, SENTENCE_DIM)
    whole = SentenceEmbeddings().for_texts(texts[:3])
    assert np.allclose(out[:3], whole, atol=1e-5) and np.array_equal(out[3], out[0])
    assert np.array_equal(out[4], np.ones(SENTENCE_DIM, dtype=np.float32))
    assert len(small) == 2 and small.encoded == 3
    for vector in small._vectors.values():  # the kept rows are a copy, not views of the whole batch's array
        assert vector.base is None or vector.base.shape[0] <= 2
