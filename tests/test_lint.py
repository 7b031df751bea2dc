"""`ruff check .` is clean (pyproject.toml's [tool.ruff]): CI runs only `make test`, so the lint runs here."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_ruff_check_is_clean():
    ruff = Path(sys.executable).parent / "ruff"
    command = [str(ruff) if ruff.exists() else shutil.which("ruff") or "ruff", "check", "--no-cache", "."]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
