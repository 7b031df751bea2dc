"""backfill → ingest → enrich → alerts in real Airflow (dag.test()), then all of it again.

Sources are real extractors: the JSONL import reading a local export, and Mastodon
(Mastodon.py) against a local server that answers 429 forever. The second round must
add no mention, emit no asset event and send no alert; the rate-limited source must
fail on its own while the import source's mapped tasks succeed.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import run_dag
from .corpus import BASELINE_START, INGEST_START, T0, write_config, write_corpus

pytestmark = pytest.mark.airflow


class RateLimitedApi:
    """An API that is rate limited for the next two hours, whatever is asked (a 429 storm)."""

    def __init__(self) -> None:
        self.hits = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                api.hits += 1
                body = b'{"error": "Too many requests"}'
                self.send_response(429)
                self.send_header("Content-Type", "application/json")
                self.send_header("Retry-After", "7200")
                self.send_header("X-RateLimit-Remaining", "0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def rate_limited_api() -> Iterator[RateLimitedApi]:
    api = RateLimitedApi()
    yield api
    api.close()


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store_config(request, tmp_path: Path) -> Iterator[dict]:
    if request.param == "sqlite":
        yield {"type": "sqlite", "path": str(tmp_path / "groundswell.db")}
        return
    es_url = request.getfixturevalue("es_url")
    prefix = f"gs-dagtest-{uuid.uuid4().hex[:8]}"
    # The URL reaches the tasks only through the Airflow connection (see groundswell_common.store_env).
    os.environ["AIRFLOW_CONN_GROUNDSWELL_ELASTICSEARCH"] = json.dumps({"conn_type": "http", "host": es_url})
    try:
        yield {"type": "elasticsearch", "url_env": "GS_DAGTEST_ES_URL", "index_prefix": prefix, "_url": es_url}
    finally:
        del os.environ["AIRFLOW_CONN_GROUNDSWELL_ELASTICSEARCH"]
        from elasticsearch import Elasticsearch
        from es_node import delete_prefix

        client = Elasticsearch(es_url)
        delete_prefix(client, prefix)
        client.close()


@pytest.fixture
def scenario(tmp_path: Path, store_config: dict, rate_limited_api: RateLimitedApi, monkeypatch):
    corpus = tmp_path / "export.jsonl"
    counts = write_corpus(corpus)
    es_url = store_config.pop("_url", None)
    config_path = write_config(tmp_path, corpus, rate_limited_api.url, store_config)
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(config_path))
    return {"dir": tmp_path, "counts": counts, "config": config_path, "es_url": es_url}


def _open_store(scenario):
    from groundswell.config import load_config
    from groundswell.pipeline import open_store

    config = load_config(scenario["config"])
    if scenario["es_url"]:
        os.environ["GS_DAGTEST_ES_URL"] = scenario["es_url"]
        try:
            return open_store(config)
        finally:
            del os.environ["GS_DAGTEST_ES_URL"]
    return open_store(config)


def _refresh(store) -> None:
    refresh = getattr(store, "refresh", None)
    if refresh:
        refresh()


def _asset_events(uri: str) -> list[dict]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(
            select(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id).where(AssetModel.uri == uri)
        )
        return [dict(r.extra or {}) for r in rows]


def _sent_alerts(scenario) -> list[dict]:
    path = scenario["dir"] / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_backfill_ingest_enrich_alerts_twice(dagbag, scenario, rate_limited_api):
    counts = scenario["counts"]
    backfill_conf = {"source": "import", "start": BASELINE_START.isoformat(), "end": INGEST_START.isoformat()}
    events_before = len(_asset_events("groundswell://mentions/"))
    hits_before = rate_limited_api.hits

    # Round 1 -------------------------------------------------------------------------------
    run, states = run_dag(dagbag, "groundswell_backfill", T0 - timedelta(hours=1), conf=backfill_conf)
    assert run.state == "success", states
    assert states[("collect_import", 0)] == states[("collect_import", 1)] == "success"  # Lumora, Sonique
    assert states[("collect_mastodon", -1)] == "skipped"  # the params chose the import source only
    store = _open_store(scenario)
    try:
        _refresh(store)
        assert store.count() == counts["baseline"]

        run, states = run_dag(dagbag, "groundswell_ingest", T0)
        assert (run.data_interval_start, run.data_interval_end) == (INGEST_START, T0)
        # The 429 storm fails the Mastodon task (after its retry) and only that task.
        assert states[("collect_mastodon", 0)] == "failed"
        assert rate_limited_api.hits > hits_before
        assert states[("collect_import", 0)] == states[("collect_import", 1)] == "success"
        assert states[("publish", -1)] == "success"
        assert states[("sources_ok", -1)] == "upstream_failed" and run.state == "failed"
        _refresh(store)
        # Bounded by the data interval: the spike lands, the post after T0 does not.
        assert store.count() == counts["baseline"] + counts["spike"]
        events = _asset_events("groundswell://mentions/")
        assert len(events) == events_before + 2  # backfill's and ingest's
        assert events[-1] == {"created": counts["spike"]}

        run, states = run_dag(dagbag, "groundswell_enrich", T0 + timedelta(minutes=1))
        assert run.state == "success", states
        _refresh(store)
        assert store.unenriched(limit=10) == []
        from indexing.base import Filters

        spike = Filters(brand="Lumora", since=INGEST_START, until=T0)
        assert store.facet(spike, "sentiment").get("negative", 0) >= counts["spike"] * 0.8

        run, states = run_dag(dagbag, "groundswell_alerts", T0)
        assert run.state == "success", states
        sent = _sent_alerts(scenario)
        assert sent, "the crisis burst raised no alert"
        assert {a["brand"] for a in sent} == {"Lumora"}

        # Round 2: the same windows again -------------------------------------------------------
        run, states = run_dag(dagbag, "groundswell_backfill", T0 - timedelta(minutes=59), conf=backfill_conf)
        assert run.state == "success", states
        run, states = run_dag(dagbag, "groundswell_ingest", T0 + timedelta(minutes=1))
        assert (run.data_interval_start, run.data_interval_end) == (INGEST_START, T0)
        assert states[("publish", -1)] == "skipped"  # nothing new: no asset event, no enrich run
        _refresh(store)
        assert store.count() == counts["baseline"] + counts["spike"]
        assert len(_asset_events("groundswell://mentions/")) == events_before + 2

        run, states = run_dag(dagbag, "groundswell_alerts", T0 + timedelta(minutes=1))
        assert run.state == "success", states
        assert _sent_alerts(scenario) == sent  # detected again, delivered never twice
    finally:
        store.close()
