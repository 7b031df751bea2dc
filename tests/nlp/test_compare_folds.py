"""tools.sentiment.compare_folds: two settings cross-validated over hold-out folds, on the union of their rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tools.sentiment.calibrate_e5 import HeldOut
from tools.sentiment.compare_folds import union
from tools.sentiment.finetune_e5 import macro_f1_by_dataset
from tools.sentiment.train_rows import SEED, load_rows

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.sentiment.compare_folds", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def _fake_run(path: Path, rows, right: float, seed: int) -> Path:
    """A finetune_e5 output folder for `rows`' hold-out fold: logits that give the gold label on a `right`
    share of the held-out rows (the others one label off). Only what compare_folds reads."""
    index = np.flatnonzero(rows.holdout)
    y = rows.y[index]
    rng = np.random.default_rng(seed)
    wrong = np.where(rows.binary[index], 2 - y, (y + 1) % 3)
    logits = 4.0 * np.eye(3)[np.where(rng.random(len(y)) < right, y, wrong)]
    path.mkdir()
    np.savez_compressed(path / "holdout.npz", index=index, logits=logits.astype(np.float32), y=y)
    (path / "finetune.json").write_text(json.dumps({"datasets": rows.names, "held_out_rows": len(index),
                                                    "holdout_fold": rows.fold}), encoding="utf-8")
    return path


def test_folds_join_into_one_set_of_rows_and_overlapping_folds_are_refused():
    def part(index):
        return (HeldOut(info={}, rows=None, index=np.array(index), logits=None, y=None, dataset=None, binary=None,
                        weight=None, texts=[], langs=[]), np.eye(3)[np.array(index) % 3])

    index, probs = union([part([5, 1]), part([2, 7, 3])])
    np.testing.assert_array_equal(index, [5, 1, 2, 7, 3])
    np.testing.assert_array_equal(probs.argmax(1), [2, 1, 2, 1, 0])
    with pytest.raises(ValueError, match="overlap"):
        union([part([5, 1]), part([1, 3])])


def test_two_settings_are_compared_on_the_union_of_their_folds(tmp_path, sentiment_data):
    """Real train rows of ../shared, folds 0 and 1; head-alone scores, so nothing is fitted and the union's
    figures can be computed here independently."""
    rows = {k: load_rows(np.random.default_rng(SEED), k) for k in (0, 1)}
    ref = [_fake_run(tmp_path / f"ref-f{k}", rows[k], 0.70, seed=k) for k in (0, 1)]
    better = [_fake_run(tmp_path / f"new-f{k}", rows[k], 0.80, seed=10 + k) for k in (0, 1)]
    out = tmp_path / "folds.json"
    proc = _cli("--reference", str(ref[0]), "--reference", str(ref[1]), "--run", str(better[1]), "--run",
                str(better[0]), "--combine", "head", "--reference-combine", "head", "--resamples", "200",
                "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["folds"] == [0, 1]
    index = np.concatenate([np.flatnonzero(rows[k].holdout) for k in (0, 1)])
    assert got["rows"] == len(index) == rows[0].holdout.sum() + rows[1].holdout.sum()
    for side, runs in (("reference", ref), ("run", better)):
        logits = np.concatenate([np.load(r / "holdout.npz")["logits"] for r in runs])
        per = macro_f1_by_dataset(rows[0], index, logits)
        assert got[side]["by_dataset"] == per
        assert got[side]["cv_mean_macro_f1"] == round(float(np.mean(list(per.values()))), 2)
    assert set(got["per_fold"]) == {"0", "1"}
    assert got["per_fold"]["1"]["run"]["dir"] == str(better[1])
    assert got["difference"]["interval_90_above_zero"] and got["difference"]["share_better"] == 1.0
    # compare_runs compares runs of one hold-out row for row, and says where runs of several folds go
    proc = subprocess.run([sys.executable, "-m", "tools.sentiment.compare_runs", "--run", str(ref[0]), "--run",
                           str(better[1]), "--combine", "head"], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 2
    assert "hold out different rows (hold-out folds [0, 1])" in proc.stderr and "compare_folds" in proc.stderr


def _stub(path: Path, fold: int) -> Path:
    path.mkdir()
    (path / "finetune.json").write_text(json.dumps({"datasets": ["a/en"], "holdout_fold": fold}), encoding="utf-8")
    np.savez(path / "holdout.npz", index=np.arange(2), logits=np.zeros((2, 3)))
    return path


def test_a_side_of_two_runs_of_one_fold_or_sides_of_different_folds_are_refused(tmp_path):
    a0, b0, a1 = _stub(tmp_path / "a0", 0), _stub(tmp_path / "b0", 0), _stub(tmp_path / "a1", 1)
    proc = _cli("--reference", str(a0), "--reference", str(b0), "--run", str(a1))
    assert proc.returncode == 2
    assert f"{a0} and {b0} both hold out fold 0; give one run per fold" in proc.stderr
    proc = _cli("--reference", str(a0), "--run", str(a1))
    assert proc.returncode == 2
    assert "the two sides cover different folds ([0] and [1])" in proc.stderr
    assert "Traceback" not in proc.stderr
