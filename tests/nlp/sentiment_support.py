"""Checks every shipped sentiment model is held to (tests/nlp/test_nlp_e5_model.py, test_nlp_minilm_model.py):
clear posts get their gold label with well-formed probabilities, and the batch size changes nothing."""

from __future__ import annotations

import pytest


def assert_gold_labels(model, posts: dict[str, list[str]]) -> None:
    """Each post of `posts` (label -> texts) gets that label; its probabilities sum to 1 and it is uncertain
    exactly when no label reaches 0.5."""
    texts = [t for label in posts for t in posts[label]]
    gold = [label for label in posts for _ in posts[label]]
    preds = model.predict(texts)
    assert [p.label for p in preds] == gold
    for p in preds:
        assert sum(p.probs.values()) == pytest.approx(1.0, abs=1e-3)
        assert p.uncertain == (max(p.probs.values()) < 0.5)


def assert_batch_size_changes_nothing(model, texts: list[str]) -> list:
    """Batches of 4 and of 64 give the same labels and probabilities (within 2e-3); the predictions of 4."""
    a = model.predict(texts, batch_size=4)
    b = model.predict(texts, batch_size=64)
    assert [p.label for p in a] == [p.label for p in b]
    for x, y in zip(a, b, strict=True):
        assert x.probs == pytest.approx(y.probs, abs=2e-3)
    return a
