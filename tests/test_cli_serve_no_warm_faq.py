"""`groundswell serve --no-warm-faq`: the dashboard starts without encoding the FAQ's default view, so the sentence
encoder (about 0.9 GB resident on the demo store: docs/dashboard.md "Performance") never loads until the FAQ page
is visited; without the flag the warm-up runs. A real `serve` process (the CLI run through tests/serve_support.py,
which writes each call of the warm-up's encoder step to a file) over a real SQLite store holding question posts the
warm-up would encode."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from serve_support import REPO, WARM_LOG_ENV, free_port, serve_env, serving

from core.mention import Author, Mention
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 10, 9, tzinfo=UTC)


def _config(tmp_path: Path) -> Path:
    store = SqliteStore(tmp_path / "g.db")
    posts = [Mention(source="x", native_id=f"q{i}", text=f"Does the Acme {i} work with Android?", brands=["Acme"],
                     lang="en", created_at=T0 + timedelta(hours=i), author=Author(handle=f"a{i}"), intent="question")
             for i in range(20)]
    assert all(r.ok for r in store.upsert(posts))
    store.close()
    path = tmp_path / "groundswell.yaml"
    path.write_text(f"brands:\n  - name: Acme\n    query: acme\nstore: {{type: sqlite, path: {tmp_path / 'g.db'}}}\n",
                    encoding="utf-8")
    return path


def _loaded_torch(pid: int) -> bool:
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text(encoding="utf-8", errors="replace")


def _serve(tmp_path: Path, *flags: str, until_warm_up: bool = False) -> tuple[bool, list[str]]:
    """Serve the question posts until the dashboard's first answer (`until_warm_up`: until the warm-up's encoder
    step was called, then kill it), then stop it; whether libtorch was loaded at that first answer, and the
    warm-up's encoder calls of the run."""
    port, log = free_port(), tmp_path / "warm.log"
    cmd = [sys.executable, str(REPO / "tests" / "serve_support.py"), "serve", "-c", str(_config(tmp_path)),
           "--port", str(port), *flags]
    # /api/meta reads on the store thread after the warm-up's read (one thread, in order), so by its answer a
    # warm-up has begun encoding, and the graceful shutdown (SIGTERM) waits for that step.
    with serving(cmd, port, {**serve_env(), WARM_LOG_ENV: str(log)}, "/api/meta", timeout_s=5) as served:
        torch = _loaded_torch(served.proc.pid)
        deadline = time.monotonic() + 60
        while until_warm_up and not (log.exists() and log.read_text(encoding="utf-8")):
            assert time.monotonic() < deadline, "no FAQ warm-up began within 60 s"
            time.sleep(0.2)
        if until_warm_up:
            served.proc.kill()  # not waiting for the real encoder to load: what it encodes is test_faq_warm.py's
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return torch, calls


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc/<pid>/maps (Linux)")
def test_no_warm_faq_starts_without_loading_the_encoder(tmp_path):
    torch, calls = _serve(tmp_path, "--no-warm-faq")
    # The start-up is over (the lifespan ran before the first answer): no warm-up began loading the encoder,
    assert not torch
    # and none ran later either: the FAQ's encoder step was never called.
    assert calls == []


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc/<pid>/maps (Linux)")
def test_without_the_flag_the_faq_warm_up_runs_at_start(tmp_path):
    """The other half: `serve` warms the FAQ by default, so the empty record above means the flag stopped it."""
    _, calls = _serve(tmp_path, until_warm_up=True)
    assert calls == ["encode_posts"]
