"""tools.sentiment.bias_cv: per-language class offsets for macro-F1, chosen on other folds than they are scored on."""

from __future__ import annotations

import numpy as np
import pytest

from tools.sentiment.bias_cv import fit_offsets, nested_offsets_cv
from tools.sentiment.calibrate_e5 import HeldOut, mean_macro_f1
from tools.sentiment.finetune_e5 import NEG, NEU, POS, Rows


def _held_out(n_big: int = 900, n_small: int = 90, pos_shift: float = -1.0,
              seed: int = 0) -> tuple[HeldOut, np.ndarray]:
    """A big English set whose scores under-rate `positive` by `pos_shift`, and a small unbiased German one."""
    rng = np.random.default_rng(seed)
    n = n_big + n_small
    y = np.arange(n) % 3
    dataset = np.repeat([0, 1], [n_big, n_small])
    rows = Rows(texts=[f"t{i}" for i in range(n)], y=y, dataset=dataset, binary=np.zeros(n, dtype=bool),
                holdout=np.ones(n, dtype=bool), names=["a/en", "b/de"])
    logits = np.eye(3)[y] * 1.5 + rng.normal(size=(n, 3))
    logits[:n_big, POS] += pos_shift
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    h = HeldOut(info={}, rows=rows, index=np.arange(n), logits=logits, y=y, dataset=dataset,
                binary=np.zeros(n, dtype=bool), weight=np.ones(n), texts=rows.texts,
                langs=["en"] * n_big + ["de"] * n_small)
    return h, probs


def test_offsets_undo_a_language_bias_and_leave_small_languages_alone():
    h, probs = _held_out()
    offsets = fit_offsets(np.log(probs), h, np.arange(len(h.y)), min_rows=200)
    assert set(offsets) == {"en"}  # de has 90 rows: no offsets
    assert 0.5 <= offsets["en"][POS] - offsets["en"][NEU] <= 1.5  # positive raised by about the shift
    assert offsets["en"][NEG] == 0.0  # negative stays where it is: only differences matter


def test_nested_offsets_gain_on_a_biased_language_and_not_on_an_unbiased_one():
    biased, probs = _held_out(pos_shift=-1.0)
    shifted, chosen = nested_offsets_cv(probs, biased, min_rows=200)
    before = mean_macro_f1(biased.rows, biased.index, probs)[1]
    after = mean_macro_f1(biased.rows, biased.index, shifted)[1]
    assert after["a/en"] > before["a/en"] + 2
    assert after["b/de"] == before["b/de"]  # no offsets: the same predictions
    assert len(chosen) == 5 and all(set(fold) == {"en"} for fold in chosen)
    fair, probs = _held_out(pos_shift=0.0, seed=1)
    shifted, _ = nested_offsets_cv(probs, fair, min_rows=200)
    gain = (mean_macro_f1(fair.rows, fair.index, shifted)[1]["a/en"]
            - mean_macro_f1(fair.rows, fair.index, probs)[1]["a/en"])
    assert abs(gain) < 1.5  # nothing to undo: offsets chosen on other folds neither help nor hurt much


def test_offsets_can_be_limited_to_named_languages():
    h, probs = _held_out()
    assert set(fit_offsets(np.log(probs), h, np.arange(len(h.y)), min_rows=0, only=["de"])) == {"de"}
    shifted, chosen = nested_offsets_cv(probs, h, min_rows=200, only=["de"])  # en is biased but not named
    assert all(fold == {} for fold in chosen)
    assert np.array_equal(shifted.argmax(1), probs.argmax(1))


def test_runs_of_disjoint_folds_are_joined_and_compared_on_the_named_languages_sets():
    import dataclasses

    from tools.sentiment.bias_cv import union_test

    h, probs = _held_out(pos_shift=-1.0)
    half = len(h.y) // 2
    idx = np.random.default_rng(3).permutation(len(h.y))
    parts = []
    for k, mine in enumerate((np.sort(idx[:half]), np.sort(idx[half:]))):
        part = dataclasses.replace(h, index=mine, y=h.y[mine], dataset=h.dataset[mine], info={"holdout_fold": k + 1},
                                   langs=[h.langs[i] for i in mine])
        logp = np.log(probs[mine])
        fixed = logp.copy()
        fixed[:, POS] += np.where(h.dataset[mine] == 0, 1.0, 0.0)  # undo the English bias exactly
        parts.append((part, logp, fixed))
    out = union_test(parts, ["en"], resamples=200)
    assert out["folds"] == [1, 2] and out["rows"] == len(h.y)
    en = out["sets_of_en"]
    assert en["sets"] == ["a/en"] and en["with"] > en["without"] and en["interval_90_above_zero"]
    same = union_test([(p, a, a) for p, a, _ in parts], ["en"], resamples=50)
    assert same["all_sets"]["mean_difference"] == 0.0
    overlapping = [parts[0], parts[0]]
    with pytest.raises(ValueError, match="overlap"):
        union_test(overlapping, None, resamples=10)
