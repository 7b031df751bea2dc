"""An Elasticsearch store that cannot be reached is one clear line and a non-zero exit, not a traceback.

The real CLI in a fresh process, against a port on 127.0.0.1 that was just closed (so
the connection is refused for real), through the real Elasticsearch client.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed on leaving the block: nothing listens there


@pytest.mark.parametrize("verbosity", [[], ["-v"]])
def test_unreachable_elasticsearch_is_one_line_naming_the_url(tmp_path, verbosity):
    port = _closed_port()
    config = tmp_path / "groundswell.yaml"
    config.write_text(
        "brands:\n  - name: Lumora\n    query: Lumora\nstore:\n  type: elasticsearch\n  url_env: GS_TEST_ES_URL\n",
        encoding="utf-8",
    )
    # Credentials in the variable are allowed (it is not the file), but must not be echoed.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GS_TEST_ES_URL": f"http://elastic:pw-s3cret@127.0.0.1:{port}"}
    result = subprocess.run(
        [sys.executable, "-m", "groundswell.cli", *verbosity, "report", "-c", str(config)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: cannot reach Elasticsearch at http://127.0.0.1:{port} (connection refused)")
    assert "store.url" in lines[0] and "pw-s3cret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
