"""tools.sentiment.compare_runs: the paired bootstrap that says whether a run's CV gain is more than row noise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tools.sentiment.compare_runs import paired_bootstrap
from tools.sentiment.finetune_e5 import Rows

REPO = Path(__file__).resolve().parents[2]


def _rows(n_per: int = 60) -> Rows:
    """Two 3-class datasets and one binary one, labels cycling through their classes."""
    y = np.concatenate([np.arange(n_per) % 3, np.arange(n_per) % 3, np.where(np.arange(n_per) % 2, 2, 0)])
    dataset = np.repeat([0, 1, 2], n_per)
    binary = dataset == 2
    return Rows(texts=[f"t{i}" for i in range(len(y))], y=y, dataset=dataset, binary=binary,
                holdout=np.ones(len(y), dtype=bool), names=["a/en", "b/de", "c/ko"])


def _scores(rows: Rows, right: float, seed: int) -> np.ndarray:
    """One-hot scores right on a `right` share of rows (the rest one label off)."""
    rng = np.random.default_rng(seed)
    ok = rng.random(len(rows.y)) < right
    wrong = np.where(rows.binary, 2 - rows.y, (rows.y + 1) % 3)
    return np.eye(3)[np.where(ok, rows.y, wrong)]


def test_identical_predictions_differ_by_nothing():
    rows = _rows()
    index = np.arange(len(rows.y))
    s = _scores(rows, 0.7, seed=1)
    result = paired_bootstrap(rows, index, s, s.copy(), resamples=50)
    assert result == {"mean_difference": 0.0, "interval_90": [0.0, 0.0], "share_better": 0.0, "resamples": 50}


def test_a_clearly_better_run_is_better_on_every_resample_and_the_sign_follows_the_order():
    rows = _rows()
    index = np.arange(len(rows.y))
    weak, strong = _scores(rows, 0.5, seed=1), _scores(rows, 0.95, seed=2)
    up = paired_bootstrap(rows, index, weak, strong, resamples=200)
    assert up["share_better"] == 1.0
    assert 0 < up["interval_90"][0] <= up["mean_difference"] <= up["interval_90"][1]
    down = paired_bootstrap(rows, index, strong, weak, resamples=200)
    assert down["share_better"] == 0.0
    assert down["mean_difference"] == pytest.approx(-up["mean_difference"], abs=0.02)


def test_a_small_gain_on_few_rows_has_an_interval_that_straddles_zero():
    rows = _rows(n_per=30)
    index = np.arange(len(rows.y))
    a = _scores(rows, 0.7, seed=1)
    a[0] = np.eye(3)[(rows.y[0] + 1) % 3]  # row 0 wrong in the reference...
    b = a.copy()
    b[0] = np.eye(3)[rows.y[0]]  # ...and right in the other run; nothing else changed
    result = paired_bootstrap(rows, index, a, b, resamples=300)
    assert result["interval_90"][0] <= 0.0 <= result["interval_90"][1] + 1e-9
    assert 0 < result["share_better"] < 0.95  # better whenever row 0 is drawn, never worse
    assert result["mean_difference"] > 0


def test_no_resamples_is_refused():
    rows = _rows()
    with pytest.raises(ValueError, match="resamples must be at least 1"):
        paired_bootstrap(rows, np.arange(len(rows.y)), _scores(rows, 0.5, 1), _scores(rows, 0.5, 2), resamples=0)


def test_the_command_needs_a_reference_and_one_run_to_compare(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tools.sentiment.compare_runs", "--run", str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "give at least two --run directories" in proc.stderr


def test_a_directory_that_is_not_a_run_is_one_clear_error(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "finetune.json").write_text("{}", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "tools.sentiment.compare_runs", "--run", str(tmp_path / "a"),
                           "--run", str(tmp_path / "b")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"Error: {tmp_path / 'a'} is not a finetune_e5 run (no finetune.json, "
                                   "holdout.npz, delta.safetensors): give the --out directory of "
                                   "python -m tools.sentiment.finetune_e5")
    assert "Traceback" not in proc.stderr
