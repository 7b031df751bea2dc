"""`groundswell serve --no-warm-faq`: the dashboard starts without encoding the FAQ's default view, so the sentence
encoder (about 0.9 GB resident on the demo store: docs/dashboard.md "Performance") never loads until the FAQ page
is visited. A real `serve` process over a real SQLite store holding question posts the warm-up would encode."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_cli_serve import REPO, _env, _free_port

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


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc/<pid>/maps (Linux)")
def test_no_warm_faq_starts_without_loading_the_encoder(tmp_path):
    port = _free_port()
    cmd = [sys.executable, "-m", "groundswell.cli", "serve", "-c", str(_config(tmp_path)), "--port", str(port),
           "--no-warm-faq"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/meta", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the dashboard did not answer within 60 s"
                time.sleep(0.3)
        # The start-up is over (the lifespan ran before the first answer): no warm-up began loading the encoder.
        assert not _loaded_torch(proc.pid)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
