"""`make eval-sentiment` / `make bench` without ../shared: one clear error saying what data and from where."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

COMMANDS = {
    "eval-sentiment": [sys.executable, "-m", "tools.sentiment.evaluate"],
    "bench": [sys.executable, "bench/sentiment_throughput.py", "--n", "10"],
    "train-sentiment": [sys.executable, "-m", "tools.sentiment.finetune_e5", "--out", "build/never-written"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_missing_sentiment_data_is_one_clear_error(name, tmp_path):
    env = {**os.environ, "GROUNDSWELL_SHARED": str(tmp_path), "PYTHONPATH": str(REPO)}
    proc = subprocess.run(COMMANDS[name], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()  # one message
    assert line.startswith("Error: no labelled sentiment data")
    assert str(tmp_path / "data" / "sentiment") in line  # where it looked
    assert "../shared" in line and "GROUNDSWELL_SHARED" in line  # where it comes from, how to point at it
    assert not (tmp_path / "docs").exists()
