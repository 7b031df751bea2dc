"""Benchmarks print their results; only an explicit --out writes a file (the committed figures stay put)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_sentiment_bench_peak_memory_is_the_path_s_own_not_its_parent_s():
    """Each path runs in a child process; its peak memory must not include the (bigger) parent's."""
    import numpy as np

    ballast = np.ones(400 * 2**20 // 8)  # the parent holds 400 MB, as the real one holds torch
    child = "import sys; sys.path.insert(0, 'bench'); import sentiment_throughput as b; print(b._peak_rss_mb())"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", child], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert float(proc.stdout) < 300, f"child reported {proc.stdout.strip()} MB: the parent's memory leaked in"
    assert ballast.sum() == ballast.size
