"""The daily digest DAG sends through the channel's Airflow connection, and fails when a channel refused it.

A local HTTP server stands in for the managers' webhook; its URL exists only in the `groundswell_mgmt`
connection (AIRFLOW_CONN_GROUNDSWELL_MGMT), as docs/airflow.md tells operators to set it up.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from .conftest import QuietHandler, local_http, run_dag, stored_corpus_with_digest_webhook
from .corpus import T0

pytestmark = pytest.mark.airflow
HOOK_ENV = "GS_TEST_MGMT_HOOK_URL"


@pytest.fixture
def hook():
    """A webhook receiver: records each POST body; answers with `status[0]`."""
    received: list[dict] = []
    status = [200]

    class Handler(QuietHandler):
        def do_POST(self):  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(json.loads(body or b"{}"))
            self.send_response(status[0])
            self.send_header("Content-Length", "0")
            self.end_headers()

    with local_http(Handler) as url:
        yield f"{url}/digest", received, status


@pytest.fixture
def digest_config(airflow_home, hook, tmp_path, monkeypatch):
    """The test corpus stored in SQLite (collected by the library, as ingest does); `digest.daily: send` to one
    webhook channel whose URL variable is unset in the worker: only the connection carries it."""
    url, _, _ = hook
    stored_corpus_with_digest_webhook(tmp_path, monkeypatch, url, HOOK_ENV, keep_alert_channel=False)
    return tmp_path


def test_the_digest_reaches_the_webhook_through_its_connection(dagbag, hook, digest_config):
    _, received, _ = hook
    run, states = run_dag(dagbag, "groundswell_digest", T0 + timedelta(hours=20), conf={"day": "2026-11-20"})
    assert run.state == "success", states
    assert len(received) == 1, received
    assert "2026-11-20" in json.dumps(received[0])
    assert (digest_config / "digests" / "2026-11-20.json").exists()


def test_a_refused_digest_fails_the_task(dagbag, hook, digest_config):
    _, received, status = hook
    status[0] = 500
    run, states = run_dag(dagbag, "groundswell_digest", T0 + timedelta(hours=20), conf={"day": "2026-11-20"})
    # Retried (the next scheduled run builds the next day, so only a retry can still send this one): the task's
    # first try and its retry (`fast_retries` keeps one) each offered the digest to the channel that refused it.
    assert len(received) == 2, received
    assert states[("digest", -1)] == "failed", states
    assert run.state == "failed"
