"""Credentials reach the extractor from an Airflow connection, inside the task only, never logged.

A local stand-in for the X API records the Authorization header that tweepy sends;
the token exists only in the `groundswell_x` connection (AIRFLOW_CONN_GROUNDSWELL_X).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from .conftest import configure_sources, local_http, run_dag, x_api_handler, x_connection
from .corpus import T0

pytestmark = pytest.mark.airflow
TOKEN = "gs-test-bearer-7f3a9c0e51"


@pytest.fixture
def x_api():
    seen: list[str] = []
    with local_http(x_api_handler(seen)) as url:
        yield url, seen


def test_x_token_comes_from_the_connection_inside_the_task_only(dagbag, x_api, tmp_path, monkeypatch, capfd):
    url, seen = x_api
    # The archive: T0 is older than recent search's 7 days, which would send no request at all.
    configure_sources(tmp_path, monkeypatch, [{"type": "x", "options": {"api_base_url": url, "max_pages": 1,
                                                                         "endpoint": "all"}}])
    x_connection(monkeypatch, TOKEN)

    run, states = run_dag(dagbag, "groundswell_ingest", T0 + timedelta(hours=3))

    assert states[("collect_x", 0)] == "success", states
    assert seen and all(h == f"Bearer {TOKEN}" for h in seen)
    assert "X_BEARER_TOKEN" not in os.environ  # exported for the task's step only, then restored
    out, err = capfd.readouterr()
    assert TOKEN not in out + err
