"""Benchmarks print their results; only an explicit --out writes a file (the committed figures stay put)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "bench" / "results" / "dashboard_latency_sqlite.json"


def _latency(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "bench/dashboard_latency.py", "--mentions", "200", "--repeat", "2"]
    cmd += ["--db", str(tmp_path / "b.db")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([*cmd, *extra], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=True)


def test_dashboard_latency_without_out_leaves_the_committed_results_alone(tmp_path):
    before = (COMMITTED.read_bytes(), COMMITTED.stat().st_mtime_ns)
    proc = _latency(tmp_path)
    assert (COMMITTED.read_bytes(), COMMITTED.stat().st_mtime_ns) == before
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["benchmark"] == "dashboard_latency" and report["mentions"] == 200


def test_dashboard_latency_writes_where_out_says(tmp_path):
    out = tmp_path / "latency.json"
    _latency(tmp_path, "--out", str(out))
    assert json.loads(out.read_text())["mentions"] == 200


@pytest.mark.model
def test_the_naive_path_runs_the_fine_tuned_layers_not_the_base_ones():
    """The naive pipeline must run the shipped encoder: the packed delta made whole in the checkpoint.
    Copying the packed tensors in as they are leaves the base layers in place, and it still runs
    (it did: the bench then disagreed with the default path on 29% of labels)."""
    from safetensors import safe_open

    from nlp.e5_delta import load_delta
    from nlp.e5_sentiment import E5_MODEL_DIR
    from nlp.e5_weights import ensure_checkpoint

    sys.path.insert(0, str(REPO / "bench"))
    import sentiment_throughput

    folder = sentiment_throughput._fine_tuned_folder(SimpleNamespace(model_dir=E5_MODEL_DIR))
    whole = load_delta(E5_MODEL_DIR / "delta.safetensors", ensure_checkpoint())
    trained = [k for k in whole if k.startswith("encoder.")]
    with safe_open(str(folder / "model.safetensors"), framework="np") as f:
        assert not [k for k in f.keys() if k.endswith((".q8", ".q8scale", ".q4", ".q4scale"))]
        for name in trained:
            assert np.array_equal(f.get_tensor(name), whole[name]), name


def test_sentiment_bench_peak_memory_is_the_path_s_own_not_its_parent_s():
    """Each path runs in a child process; its peak memory must not include the (bigger) parent's."""
    ballast = np.ones(400 * 2**20 // 8)  # the parent holds 400 MB, as the real one holds torch
    child = "import sys; sys.path.insert(0, 'bench'); import sentiment_throughput as b; print(b._peak_rss_mb())"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", child], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert float(proc.stdout) < 300, f"child reported {proc.stdout.strip()} MB: the parent's memory leaked in"
    assert ballast.sum() == ballast.size


@pytest.mark.model
def test_sentiment_bench_times_a_candidate_model_folder_when_asked(tmp_path):
    """--model-dir times a calibrate_e5 output before it ships; a broken candidate fails, naming its folder."""
    import shutil

    from nlp.e5_sentiment import E5_MODEL_DIR

    candidate = tmp_path / "candidate"
    shutil.copytree(E5_MODEL_DIR, candidate)
    cmd = [sys.executable, "bench/sentiment_throughput.py", "--n", "12", "--paths", "onnx",
           "--model-dir", str(candidate)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=True)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["model"].endswith(f"from {candidate}") and f"--model-dir {candidate}" in report["command"]
    assert report["paths"]["onnx"]["texts"] == 12

    (candidate / "model.json").write_text("{not json", encoding="utf-8")
    broken = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert broken.returncode != 0 and str(candidate) in broken.stderr
