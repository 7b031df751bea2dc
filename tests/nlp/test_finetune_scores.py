"""finetune_e5.macro_f1: the numpy macro-F1 every held-out score goes through equals sklearn's, bit for bit.

Why it matters: recorded runs (docs/runs/) and the pooled comparison were scored with sklearn's
f1_score; a figure that moved in its last digit would break their checks and the comparisons."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from tools.sentiment.finetune_e5 import NEG, POS, Rows, macro_f1, macro_f1_by_dataset


@pytest.mark.parametrize("seed", range(40))
def test_macro_f1_is_sklearns_bit_for_bit_including_labels_never_predicted(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    labels = [[0, 1, 2], [NEG, POS], [0, 1], [2]][seed % 4]
    y = rng.choice(labels, n)
    pred = np.where(rng.random(n) < rng.random(), y, rng.choice([0, 1, 2] if seed % 3 else labels, n))
    assert macro_f1(y, pred) == f1_score(y, pred, average="macro")


def test_a_perfect_and_a_hopeless_prediction():
    y = np.array([0, 1, 2, 2])
    assert macro_f1(y, y) == 1.0
    assert macro_f1(y, (y + 1) % 3) == 0.0


def test_no_rows_is_an_error_not_a_score():
    with pytest.raises(ValueError, match="at least one row"):
        macro_f1(np.array([], dtype=int), np.array([], dtype=int))


def test_per_dataset_scores_equal_the_sklearn_rule_on_rows_like_the_held_out_ones():
    rng = np.random.default_rng(3)
    n, names = 3000, [f"set{d}/xx" for d in range(7)]
    dataset = rng.integers(0, len(names), n)
    binary = dataset < 2
    y = np.where(binary, rng.choice([NEG, POS], n), rng.integers(0, 3, n))
    rows = Rows(texts=[""] * n, y=y, dataset=dataset, binary=binary, holdout=np.ones(n, dtype=bool), names=names)
    scores = rng.normal(size=(n, 3)) + 0.8 * np.eye(3)[y]
    idx = rng.choice(n, size=n, replace=True)  # a bootstrap resample, as compare_runs draws them
    want = {}
    for d, name in enumerate(names):
        sel = dataset[idx] == d
        s = scores[idx][sel]
        pred = np.where(s[:, POS] > s[:, NEG], POS, NEG) if d < 2 else s.argmax(1)
        want[name] = round(100 * f1_score(y[idx][sel], pred, average="macro"), 2)
    assert macro_f1_by_dataset(rows, idx, scores[idx]) == want  # scores line up with idx, as callers pass them
