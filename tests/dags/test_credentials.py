"""Credentials reach the extractor from an Airflow connection, inside the task only, never logged.

A local stand-in for the X API records the Authorization header that tweepy sends;
the token exists only in the `groundswell_x` connection (AIRFLOW_CONN_GROUNDSWELL_X).
"""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from .conftest import run_dag
from .corpus import T0

pytestmark = pytest.mark.airflow
TOKEN = "gs-test-bearer-7f3a9c0e51"


@pytest.fixture
def x_api():
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            seen.append(self.headers.get("Authorization", ""))
            body = json.dumps({"meta": {"result_count": 0}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_x_token_comes_from_the_connection_inside_the_task_only(dagbag, x_api, tmp_path, monkeypatch, capfd):
    url, seen = x_api
    config = {
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        # The archive: T0 is older than recent search's 7 days, which would send no request at all.
        "sources": [{"type": "x", "options": {"api_base_url": url, "max_pages": 1, "endpoint": "all"}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
    }
    (tmp_path / "groundswell.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(tmp_path / "groundswell.yaml"))
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_GROUNDSWELL_X", json.dumps({"conn_type": "generic", "password": TOKEN}))

    run, states = run_dag(dagbag, "groundswell_ingest", T0 + timedelta(hours=3))

    assert states[("collect_x", 0)] == "success", states
    assert seen and all(h == f"Bearer {TOKEN}" for h in seen)
    assert "X_BEARER_TOKEN" not in os.environ  # exported for the task's step only, then restored
    out, err = capfd.readouterr()
    assert TOKEN not in out + err
