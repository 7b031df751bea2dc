"""An Elasticsearch store that cannot be reached is one clear line and a non-zero exit, not a traceback.

The real CLI in a fresh process, against a port on 127.0.0.1 that was just closed (so
the connection is refused for real), through the real Elasticsearch client.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class _Refusing(BaseHTTPRequestHandler):
    """Answers every request as a secured cluster does to a bad (401) or too weak (403) API key."""

    status = 401

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"error": {"type": "security_exception", "reason": "unable to authenticate"},
                           "status": self.status}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize(("status", "says"), [
    (401, "refused the credentials (HTTP 401): check the API key in the variable store.api_key_env names"),
    (403, "refused a request of the store's setup (HTTP 403): the API key needs to manage the index template"),
])
def test_refused_credentials_are_one_line_saying_what_to_fix(tmp_path, status, says):
    # A local HTTP server: the test node runs without security, so it never answers 401/403.
    handler = type("Refusing", (_Refusing,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = tmp_path / "groundswell.yaml"
    config.write_text("brands:\n  - name: Lumora\n    query: Lumora\nstore:\n  type: elasticsearch\n"
                      "  url_env: GS_TEST_ES_URL\n  api_key_env: GS_TEST_ES_KEY\n", encoding="utf-8")
    port = server.server_port
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GS_TEST_ES_URL": f"http://elastic:pw-s3cret@127.0.0.1:{port}",
           "GS_TEST_ES_KEY": "key-s3cret"}
    try:
        result = subprocess.run([sys.executable, "-m", "groundswell.cli", "report", "-c", str(config)], env=env,
                                cwd=tmp_path, capture_output=True, text=True, timeout=120)
    finally:
        server.shutdown()
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: Elasticsearch at http://127.0.0.1:{port} {says}")
    assert "s3cret" not in result.stderr + result.stdout


def test_a_refusal_names_the_url_without_any_secret_it_carries(tmp_path):
    """A URL in the variable may carry a password and an API key in its query: the line names the cluster (host,
    port, path) and shows neither, nor the query (indexing.elasticsearch._where)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = tmp_path / "groundswell.yaml"
    config.write_text("brands:\n  - name: Lumora\n    query: Lumora\nstore:\n  type: elasticsearch\n  url_env: ESLOC\n",
                      encoding="utf-8")
    port = server.server_port
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "ESLOC": f"http://elastic:ESPASSsecret777@127.0.0.1:{port}/espath?apikey=ESQUERYSECRET&pretty=1"}
    try:
        result = subprocess.run([sys.executable, "-m", "groundswell.cli", "report", "-c", str(config)], env=env,
                                cwd=tmp_path, capture_output=True, text=True, timeout=120)
    finally:
        server.shutdown()
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: Elasticsearch at http://127.0.0.1:{port}/espath refused the "
                           "credentials (HTTP 401)"), line
    assert "ESPASSsecret777" not in result.stderr + result.stdout and "ESQUERYSECRET" not in result.stderr
