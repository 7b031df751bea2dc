"""tools.sentiment.record_runs and docs/runs: runs' held-out logits kept in the repo for pooled comparisons."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest

from tools.sentiment.data import BINARY_DATASETS
from tools.sentiment.finetune_e5 import SEED, Rows, load_rows, macro_f1_by_dataset
from tools.sentiment.record_runs import RECORD_FILES, RECORDS, describe, record_run, recorded

REPO = Path(__file__).resolve().parents[2]


def _write_run(path: Path, rows: Rows, logits: np.ndarray, index: np.ndarray | None = None) -> Path:
    """A run folder as finetune_e5 writes it (finetune.json, holdout.npz; no delta, as from a GPU machine)."""
    index = np.flatnonzero(rows.holdout) if index is None else index
    path.mkdir(parents=True)
    np.savez_compressed(path / "holdout.npz", index=index, logits=logits.astype(np.float32), y=rows.y[index],
                        dataset=rows.dataset[index])
    info = {"datasets": rows.names, "held_out_rows": len(index), "trained_layers": list(range(8, 12)), "seed": 99,
            "epochs": 1, "epochs_done": 1, "best_epoch": 1, "precision": "fp32", "device": "cpu", "history": []}
    (path / "finetune.json").write_text(json.dumps(info), encoding="utf-8")
    return path


def test_only_a_finetune_run_is_recorded(tmp_path):
    model = tmp_path / "default"
    model.mkdir()
    (model / "model.json").write_text(json.dumps({"training": {"datasets": ["a/en"]}}), encoding="utf-8")
    with pytest.raises(click.ClickException, match="is not a finetune_e5 run .*only a run's own held-out logits"):
        record_run(model, tmp_path / "records")
    half = tmp_path / "half"
    half.mkdir()
    (half / "finetune.json").write_text("{}", encoding="utf-8")
    with pytest.raises(click.ClickException, match=r"is not a finetune_e5 run \(no holdout.npz\)"):
        record_run(half, tmp_path / "records")
    assert not (tmp_path / "records").exists()


def test_the_command_needs_a_run_or_list():
    proc = subprocess.run([sys.executable, "-m", "tools.sentiment.record_runs"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert "give --run FOLDER (one or more), or --list" in proc.stderr


def test_a_run_is_recorded_once_and_never_overwritten_by_another(tmp_path, sentiment_data):
    rows = load_rows(np.random.default_rng(SEED))
    n = int(rows.holdout.sum())
    logits = np.random.default_rng(0).normal(size=(n, 3))
    run = _write_run(tmp_path / "build" / "l4-e1-s99", rows, logits)
    into = tmp_path / "records"
    target = record_run(run, into)
    assert target == into / "l4-e1-s99"
    assert sorted(p.name for p in target.iterdir()) == sorted(RECORD_FILES)
    with np.load(target / "holdout.npz") as kept:
        np.testing.assert_array_equal(kept["logits"], logits.astype(np.float32))
    assert record_run(run, into) == target  # the same run again: nothing to do
    other = _write_run(tmp_path / "elsewhere" / "l4-e1-s99", rows, logits + 1)
    with pytest.raises(click.ClickException, match="already holds another run of that name"):
        record_run(other, into)
    with np.load(target / "holdout.npz") as kept:  # the first record is untouched
        np.testing.assert_array_equal(kept["logits"], logits.astype(np.float32))
    moved = _write_run(tmp_path / "moved", rows, logits[1:], index=np.flatnonzero(rows.holdout)[1:])
    with pytest.raises(click.ClickException, match="fine-tuned on other data than ../shared holds now"):
        record_run(moved, into)
    assert [name for name, _ in recorded(into)] == ["l4-e1-s99"]


def _records() -> list[Path]:
    return sorted(p for p in RECORDS.iterdir() if p.is_dir()) if RECORDS.is_dir() else []


@pytest.mark.parametrize("record", _records(), ids=lambda p: p.name)
def test_a_recorded_runs_logits_score_what_its_training_log_says(record):
    """Each record's two files belong together: the head's held-out macro-F1 recomputed from holdout.npz is
    the one finetune.json logged for the kept epoch, dataset by dataset; and docs/runs/README.md names it."""
    assert sorted(p.name for p in record.iterdir()) == sorted(RECORD_FILES)
    info = json.loads((record / "finetune.json").read_text(encoding="utf-8"))
    with np.load(record / "holdout.npz") as held:
        index, logits, y, dataset = held["index"], held["logits"], held["y"], held["dataset"]
    assert logits.shape == (info["held_out_rows"], 3) and np.isfinite(logits).all()
    assert (np.diff(index) > 0).all()
    rows = Rows(texts=[""] * len(y), y=y, dataset=dataset, holdout=np.ones(len(y), dtype=bool),
                binary=np.array([info["datasets"][d].split("/")[0] in BINARY_DATASETS for d in dataset]),
                names=info["datasets"])
    logged = next(h for h in info["history"] if h["epoch"] == info["best_epoch"])
    key = "holdout_macro_f1" if info.get("kept_weights", "raw") == "raw" else "ema_holdout_macro_f1"
    assert macro_f1_by_dataset(rows, np.arange(len(y)), logits) == logged[key]
    assert f"`{record.name}`" in (RECORDS / "README.md").read_text(encoding="utf-8")
    assert describe(info).startswith(f"{len(info['trained_layers'])} trained layers, seed {info['seed']}")


@pytest.fixture(scope="module")
def shared_rows(sentiment_data):
    """The train rows ../shared holds now with a hold-out fold's rows held out, read once per fold."""
    cache: dict[int, Rows] = {}

    def rows(fold: int) -> Rows:
        if fold not in cache:
            cache[fold] = load_rows(np.random.default_rng(SEED), fold)
        return cache[fold]

    return rows


@pytest.mark.parametrize("record", _records(), ids=lambda p: p.name)
def test_a_recorded_run_is_of_the_data_shared_holds_now(record, shared_rows):
    """What compare_runs and compare_folds check before they use a record: the same datasets and the same
    held-out rows (those of the record's hold-out fold)."""
    from tools.sentiment.calibrate_e5 import held_out_rows

    fold = json.loads((record / "finetune.json").read_text(encoding="utf-8")).get("holdout_fold", 0)
    rows = shared_rows(fold)
    h = held_out_rows(record, rows, logits_only=True)
    assert h.rows is rows  # checked against this fold's rows, not reloaded
    with np.load(record / "holdout.npz") as held:
        np.testing.assert_array_equal(held["y"], rows.y[h.index])
