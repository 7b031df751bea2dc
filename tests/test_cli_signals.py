"""SIGTERM / SIGINT to a long command (README "Exit codes", 143 and 130): the summary so far with `interrupted`, one
line on stderr, nothing lost or recorded as done that was not; the next run goes on from there without duplicates.

The real CLI in a subprocess with a real SQLite store. The import source reads a FIFO, so the test decides when the
command is mid-collection: the command has opened the pipe and read what was written to it, and
waits on the pipe for more when the signal lands."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexing.base import Filters
from indexing.sqlite import SqliteStore

REPO = Path(__file__).resolve().parent.parent


def _post(i: int) -> str:
    return json.dumps({"native_id": f"n{i}", "text": f"acme post {i}", "created_at": "2026-03-01T10:00:00Z",
                       "author": {"handle": f"a{i}"}, "source": "x", "url": f"https://x.example/a/n{i}"}) + "\n"


def _config(tmp_path: Path, source: Path) -> Path:
    config = tmp_path / "g.yaml"
    config.write_text(json.dumps({
        "brands": [{"name": "Acme", "query": "acme"}],
        "sources": [{"type": "import", "options": {"path": str(source), "batch_size": 1}}],
        "store": {"path": str(tmp_path / "g.db")},
        "report": {"path": str(tmp_path / "report.html")},
        "nlp": {"themes": False},
    }), encoding="utf-8")
    return config


def _stored(tmp_path: Path) -> int:
    if not (tmp_path / "g.db").exists():
        return 0
    store = SqliteStore(tmp_path / "g.db")
    try:
        return store.count(Filters(include_spam=True))
    finally:
        store.close()


def _interrupted(tmp_path: Path, args: list[str], signum: int) -> subprocess.CompletedProcess:
    """Run `groundswell ARGS` reading 3 posts from a FIFO, then send `signum` while it waits on the pipe for more."""
    fifo = tmp_path / "in.jsonl"
    os.mkfifo(fifo)
    config = _config(tmp_path, fifo)
    env = {**os.environ, "GROUNDSWELL_CONFIG": str(config)}
    proc = subprocess.Popen([sys.executable, "-m", "groundswell", *args, "--no-progress"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with open(fifo, "w", encoding="utf-8") as pipe:  # opens once the command opens the pipe to read
        pipe.write("".join(_post(i) for i in range(3)))
        pipe.flush()
        time.sleep(1.0)  # the command reads them, then waits on the pipe for more (or its end)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize(("command", "signum", "code"), [(["run", "--no-report", "--no-send"], signal.SIGTERM, 143),
                                                         (["ingest"], signal.SIGINT, 130)])
def test_a_signal_mid_collection_prints_the_summary_and_loses_nothing(tmp_path, command, signum, code):
    done = _interrupted(tmp_path, command, signum)
    assert done.returncode == code, (done.returncode, done.stderr)  # was -15 (SIGTERM) / 1 "Aborted!" (SIGINT)
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["interrupted"] == ("collect" if command[0] == "run" else "ingest") and summary["run_id"]
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"groundswell: stopped by {signal.Signals(signum).name} during ")
    assert summary["run_id"] in last

    # The next run, over the whole file, stores the rest, and what was stored before is not stored twice.
    (tmp_path / "in.jsonl").unlink()
    (tmp_path / "in.jsonl").write_text("".join(_post(i) for i in range(5)), encoding="utf-8")
    again = subprocess.run([sys.executable, "-m", "groundswell", "ingest", "--no-progress", "-c",
                            str(tmp_path / "g.yaml")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert _stored(tmp_path) == 5
