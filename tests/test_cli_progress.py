"""Long steps show progress: enrich and themes bars with a total on a terminal, a start line elsewhere.

The runs go through the real CLI with the real model on a real SQLite store; a pseudo-terminal
stands in for the user's terminal (tqdm draws only there).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.mention import Mention
from indexing.sqlite import SqliteStore

pytestmark = [pytest.mark.model, pytest.mark.slow]
REPO = Path(__file__).resolve().parent.parent
WORDS = ["battery", "screen", "price", "delivery", "support"]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    db = tmp_path / "g.db"
    store = SqliteStore(str(db))
    start = datetime(2026, 11, 1, tzinfo=UTC)
    results = store.upsert(
        [
            Mention(
                source="import", native_id=str(i), brand="Acme", created_at=start + timedelta(hours=i), lang="en",
                text=f"Acme {WORDS[i % 5]} is {'great' if i % 2 else 'awful'} today, post {i}",
            )
            for i in range(40)
        ]
    )  # fmt: skip
    assert all(r.ok for r in results)  # upsert is lazy: this is what writes
    store.close()
    path = tmp_path / "groundswell.yaml"
    path.write_text(
        "brands:\n  - name: Acme\n    query: acme\n"
        f"sources:\n  - type: import\n    options: {{path: {tmp_path / 'none.jsonl'}}}\n"
        f"store: {{type: sqlite, path: {db}}}\nnlp: {{batch_size: 8}}\n",
        encoding="utf-8",
    )
    return path


def _enrich(config: Path, terminal: bool) -> str:
    """`groundswell enrich` with stderr on a pseudo-terminal (or a pipe); what it wrote there."""
    cmd = [sys.executable, "-m", "groundswell.cli", "enrich", "-c", str(config)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    if not terminal:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=True).stderr
    controller, terminal_fd = pty.openpty()
    # A new pseudo-terminal is 0 columns wide, and tqdm draws nothing in 0 columns.
    fcntl.ioctl(terminal_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=terminal_fd)
    os.close(terminal_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the process is gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert proc.wait(timeout=600) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_enrich_then_rerun_show_bars_with_totals_then_start_lines_off_a_terminal(config):
    first = _enrich(config, terminal=True)
    # A total (so rate and ETA), counted in model-sized pieces of 8.
    assert re.search(r"enrich: +\d+%.*\| *(8|16|24|32|40)/40 ", first), first
    assert re.search(r"themes: .*/1 ", first), first
    # A re-run has nothing to enrich, and themes are incremental (issue 18): nothing new, nothing encoded.
    second = _enrich(config, terminal=True)
    assert re.search(r"themes: .*/1 ", second), second
    assert "encoding:" not in second, second
    plain = _enrich(config, terminal=False)
    assert "enrich: 0 mention(s), started" in plain and "themes: 1 brand(s), started" in plain
    assert "\r" not in plain  # no bar redraws in a log file
