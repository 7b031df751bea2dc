"""tools.sentiment.train_rows: hold-out folds, fold 0 being the hold-out every earlier run used."""

from __future__ import annotations

import numpy as np
import pytest

from tools.sentiment.train_rows import FOLDS, HOLDOUT, SEED, holdout_mask

LABELS = np.array([0] * 41 + [1] * 27 + [2] * 112)


def _first_slice(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The hold-out as it was drawn before folds existed (written out again, not imported)."""
    out = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == label))
        out[idx[: round(len(idx) * HOLDOUT)]] = True
    return out


def test_fold_0_is_the_hold_out_of_every_earlier_run():
    np.testing.assert_array_equal(holdout_mask(LABELS, np.random.default_rng(SEED)),
                                  _first_slice(LABELS, np.random.default_rng(SEED)))
    np.testing.assert_array_equal(holdout_mask(LABELS, np.random.default_rng(SEED), 0),
                                  _first_slice(LABELS, np.random.default_rng(SEED)))


def test_folds_are_disjoint_stratified_and_leave_the_generator_where_fold_0_does():
    masks, nexts = [], []
    for fold in range(FOLDS):
        rng = np.random.default_rng(SEED)
        masks.append(holdout_mask(LABELS, rng, fold))
        nexts.append(rng.random())  # what a run draws next (its epochs' rows) does not depend on the fold
    assert FOLDS == 6
    assert (np.sum(masks, axis=0) <= 1).all()  # no row held out by two folds
    for mask in masks:
        for label in np.unique(LABELS):
            assert mask[LABELS == label].sum() == round((LABELS == label).sum() * HOLDOUT)
    assert len(set(nexts)) == 1


@pytest.mark.parametrize("fold", [-1, FOLDS])
def test_a_fold_outside_the_folds_is_refused(fold):
    with pytest.raises(ValueError, match=f"hold-out fold must be 0 to {FOLDS - 1}, got {fold}"):
        holdout_mask(LABELS, np.random.default_rng(SEED), fold)
