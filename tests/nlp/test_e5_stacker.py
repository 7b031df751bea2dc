"""The e5 stacker's partial-label logistic regression (nlp/e5_stacker.py)."""

from __future__ import annotations

import numpy as np

from nlp.e5_stacker import NEG, NEU, POS, fit_stacker, partial_label_loss
from nlp.model_files import softmax


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5))
    y = rng.integers(0, 3, size=40)
    binary = rng.random(40) < 0.4
    y[binary] = np.where(rng.random(binary.sum()) < 0.5, NEG, POS)
    weight = rng.uniform(0.5, 2.0, size=40)
    w = rng.normal(size=15) * 0.3
    for free in (None, np.array([True, False, False, True, False])):
        _, grad = partial_label_loss(w, x, y, binary, weight, 0.01, free)
        eps = 1e-6
        numeric = np.array([
            (partial_label_loss(w + eps * e, x, y, binary, weight, 0.01, free)[0]
             - partial_label_loss(w - eps * e, x, y, binary, weight, 0.01, free)[0]) / (2 * eps)
            for e in np.eye(15)
        ])
        assert np.abs(grad - numeric).max() < 1e-5


def test_free_columns_escape_the_penalty():
    """A strong l2 shrinks every weight but those of the `free` columns (calibrate's unpenalised-logit variant)."""
    rng = np.random.default_rng(2)
    x = np.hstack([rng.normal(size=(300, 1)) * 3, np.ones((300, 1))])
    y = np.where(x[:, 0] < -1, NEG, np.where(x[:, 0] > 1, POS, NEU))
    binary, weight = np.zeros(300, bool), np.ones(300)
    tied = fit_stacker(x, y, binary, weight, 10.0)
    free = fit_stacker(x, y, binary, weight, 10.0, free=np.array([True, False]))
    assert np.abs(free[:, 0]).max() > 5 * np.abs(tied[:, 0]).max()


def test_a_language_with_only_binary_labels_keeps_neutral_from_the_shared_weights():
    """Features: [signal, 1 (shared)] + [signal, 1 (group A)] + [signal, 1 (group B)]. Group A has 3-class
    rows, group B (like Korean NSMC) only negative/positive ones. A neutral-looking B row (signal 0)
    must still come out neutral: B's own neutral weights get no signal and stay near zero."""
    rng = np.random.default_rng(1)
    n = 600
    signal = rng.normal(size=n)
    in_b = np.arange(n) >= n // 2
    y = np.where(signal < -0.5, NEG, np.where(signal > 0.5, POS, NEU))
    binary = in_b.copy()
    keep = ~(in_b & (y == NEU))  # B has no neutral rows at all
    base = np.stack([signal, np.ones(n)], 1)
    x = np.hstack([base, base * (~in_b)[:, None], base * in_b[:, None]])[keep]
    y, binary = y[keep], binary[keep]
    w = fit_stacker(x, y, binary, np.ones(len(y)), 1e-3)
    row_b = np.array([[0.0, 1.0, 0.0, 0.0, 0.0, 1.0]])
    assert softmax(row_b @ w.T)[0].argmax() == NEU
    # and B's strong rows keep their polarity
    assert softmax(np.array([[2.0, 1.0, 0, 0, 2.0, 1.0]]) @ w.T)[0].argmax() == POS
