"""tools.sentiment.compare_runs: the paired bootstrap that says whether a run's CV gain is more than row noise."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest

from nlp.e5_sentiment import E5_MODEL_DIR
from nlp.model_files import softmax
from tools.sentiment.calibrate_e5 import HeldOut, held_out_rows, mean_macro_f1, run_files
from tools.sentiment.compare_runs import paired_bootstrap, scored
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
    assert result == {"mean_difference": 0.0, "interval_90": [0.0, 0.0], "interval_90_above_zero": False,
                      "share_better": 0.0, "resamples": 50}


def test_a_clearly_better_run_is_better_on_every_resample_and_the_sign_follows_the_order():
    rows = _rows()
    index = np.arange(len(rows.y))
    weak, strong = _scores(rows, 0.5, seed=1), _scores(rows, 0.95, seed=2)
    up = paired_bootstrap(rows, index, weak, strong, resamples=200)
    assert up["share_better"] == 1.0
    assert 0 < up["interval_90"][0] <= up["mean_difference"] <= up["interval_90"][1]
    assert up["interval_90_above_zero"] is True
    down = paired_bootstrap(rows, index, strong, weak, resamples=200)
    assert down["share_better"] == 0.0
    assert down["interval_90_above_zero"] is False
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
    assert result["interval_90_above_zero"] is False  # a lower end at zero is not above it
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
                                   "holdout.npz): give the --out directory of "
                                   "python -m tools.sentiment.finetune_e5, or a model calibrate_e5 wrote "
                                   "(model.json)")
    assert "Traceback" not in proc.stderr


def _model_dir(path: Path, manifest: str) -> Path:
    path.mkdir()
    (path / "model.json").write_text(manifest, encoding="utf-8")
    return path


def test_a_calibrated_model_can_be_the_reference_but_not_a_run_to_calibrate(tmp_path):
    """compare_runs may take a model (its run is gone on a fresh machine); calibrate_e5 needs the run's
    fp32 layers, which a model does not keep."""
    model = _model_dir(tmp_path / "m", json.dumps({"training": {"datasets": ["a/en"], "epochs": 6}}))
    assert run_files(model, logits_only=True) == ({"datasets": ["a/en"], "epochs": 6}, None)
    with pytest.raises(click.ClickException, match=r"is not a finetune_e5 run \(no finetune.json, holdout.npz, "
                                                   r"delta.safetensors\): give the --out directory of python -m "
                                                   r"tools.sentiment.finetune_e5$"):
        run_files(model)


@pytest.mark.parametrize("manifest", ["{not json", json.dumps({"format": "e5"}), json.dumps([1, 2]),
                                      json.dumps({"training": {"epochs": 6}})])
def test_a_damaged_model_json_is_one_clear_error(tmp_path, manifest):
    model = _model_dir(tmp_path / "m", manifest)
    with pytest.raises(click.ClickException, match="model.json is damaged .*: restore it with git"):
        run_files(model, logits_only=True)


def test_a_models_held_out_logits_are_what_the_model_computes(tmp_path, default_model):
    """The shipped model as a reference: its logits come from the model as it runs (packed delta, ONNX).
    A copy of nlp/models/default whose recorded hold-out is three rows, so that this runs in seconds."""
    model = tmp_path / "default"
    shutil.copytree(E5_MODEL_DIR, model)
    manifest = json.loads((model / "model.json").read_text(encoding="utf-8"))
    manifest["training"] |= {"datasets": ["x/en", "y/ko"], "held_out_rows": 3}
    (model / "model.json").write_text(json.dumps(manifest), encoding="utf-8")
    texts = ["My phone caught fire while charging", "배터리가 너무 빨리 닳아요", "Love it", "unused"]
    rows = Rows(texts=texts, y=np.array([0, 0, 2, 1]), dataset=np.array([0, 1, 0, 0]),
                binary=np.array([False, True, False, False]), holdout=np.array([True, True, True, False]),
                names=["x/en", "y/ko"])
    h = held_out_rows(model, rows, logits_only=True)
    np.testing.assert_array_equal(h.index, [0, 1, 2])
    assert h.texts == texts[:3]
    np.testing.assert_allclose(h.logits, default_model.logits(texts[:3]), rtol=0, atol=1e-5)
    rows.holdout[3] = True  # four held-out rows where the model says three: other data than it was trained on
    with pytest.raises(click.ClickException, match="was fine-tuned on other data than ../shared holds now"):
        held_out_rows(model, rows, logits_only=True)


def test_pooled_runs_score_as_the_mean_of_their_runs():
    """Lists of runs: each side is the mean over its runs, so one run against itself twice is no change,
    and a weak run pooled with a strong one lands between them."""
    rows = _rows()
    index = np.arange(len(rows.y))
    weak, mid, strong = (_scores(rows, r, seed=s) for r, s in ((0.5, 1), (0.7, 2), (0.95, 3)))
    single = paired_bootstrap(rows, index, weak, strong, resamples=100)
    assert paired_bootstrap(rows, index, [weak], [strong], resamples=100) == single  # a list of one is that run
    assert paired_bootstrap(rows, index, [mid, mid], mid, resamples=50)["interval_90"] == [0.0, 0.0]
    both = paired_bootstrap(rows, index, weak, [weak, strong], resamples=100)
    assert both["mean_difference"] == pytest.approx(single["mean_difference"] / 2, abs=0.02)
    with pytest.raises(ValueError, match="each side needs at least one run"):
        paired_bootstrap(rows, index, [], strong, resamples=10)


def test_pool_must_leave_runs_to_compare(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tools.sentiment.compare_runs", "--run", str(tmp_path),
                           "--run", str(tmp_path), "--pool", "2"], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert "--pool 2 leaves no run to compare: give more than 2 --run" in proc.stderr


def test_a_run_is_scored_by_its_head_alone_or_by_its_stacker():
    """--combine head: the e5 head's own labels, the n-gram inputs unused; stacker: calibrate_e5's CV, which
    here leans on n-gram inputs that know the label (the head is noisy) and so scores far higher."""
    rows = _rows(n_per=90)
    n = len(rows.y)
    rng = np.random.default_rng(0)
    logits = np.eye(3)[rows.y] * 0.5 + rng.normal(size=(n, 3))
    knowing = np.log(np.clip(np.eye(3)[rows.y] * 0.8 + 0.1, 1e-6, 1))
    h = HeldOut(info={}, rows=rows, index=np.arange(n), logits=logits, y=rows.y, dataset=rows.dataset,
                binary=rows.binary, weight=np.ones(n), texts=rows.texts, langs=["en"] * n)
    head = scored(h, knowing, "head", l2=1e-2)
    np.testing.assert_allclose(head, softmax(logits))
    stacked = scored(h, knowing, "stacker", l2=1e-2)
    head_f1, _ = mean_macro_f1(rows, h.index, head)
    stacked_f1, _ = mean_macro_f1(rows, h.index, stacked)
    assert stacked_f1 > head_f1 + 20
    with pytest.raises(ValueError, match="combine must be one of"):
        scored(h, knowing, "mean", l2=1e-2)
