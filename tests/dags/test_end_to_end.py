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
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import REPO, require_or_skip, run_dag
from .corpus import BASELINE_START, INGEST_START, T0, write_config, write_corpus

pytestmark = pytest.mark.airflow
MENTIONS = "groundswell://mentions/"
MODEL_FILE = REPO / "nlp" / "models" / "default" / "model.json"  # written by `make train-sentiment`


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
                reset = datetime.now(UTC) + timedelta(hours=2)
                self.send_header("Retry-After", "7200")
                self.send_header("X-RateLimit-Limit", "300")
                self.send_header("X-RateLimit-Remaining", "0")
                self.send_header("X-RateLimit-Reset", reset.isoformat().replace("+00:00", "Z"))
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


# The store does not matter for what this checks (the full chain below runs on both stores).
@pytest.mark.parametrize("store_config", ["sqlite"], indirect=True)
def test_a_failing_source_does_not_fail_the_others(dagbag, scenario, rate_limited_api):
    """Ingest alone (no model needed): the export read from its cursor, 429 isolated, re-run adds nothing."""
    counts = scenario["counts"]
    everything = counts["baseline"] + counts["spike"] + counts["later"]
    events_before = len(_asset_events(MENTIONS))
    hits_before = rate_limited_api.hits
    store = _open_store(scenario)
    try:
        run, states = run_dag(dagbag, "groundswell_ingest", T0)
        assert (run.data_interval_start, run.data_interval_end) == (INGEST_START, T0)
        # The 429 storm (Retry-After: 2 h, past max_wait_s) fails the Mastodon task on its first try, not retried:
        # a retry minutes later meets the same limit; the next scheduled run resumes from the cursor ...
        assert states[("collect_mastodon", 0)] == "failed"
        assert rate_limited_api.hits == hits_before + 2  # one try: Mastodon.py's version check, the hashtag page
        assert next(ti.try_number for ti in run.get_task_instances() if ti.task_id == "collect_mastodon") == 1
        assert states[("collect_import", 0)] == states[("collect_import", 1)] == "success"  # Lumora, Sonique
        # ... the new mentions are still published, and the run says a source failed.
        assert states[("publish", -1)] == "success"
        assert states[("sources_ok", -1)] == "upstream_failed" and run.state == "failed"
        _refresh(store)
        # An import file is read from its cursor whatever the interval (rows are appended late, dated earlier):
        # the whole export lands, its bad line skipped. Only an explicit range (backfill) limits it.
        assert store.count() == everything
        assert _asset_events(MENTIONS)[events_before:] == [{"created": everything}]

        run, states = run_dag(dagbag, "groundswell_ingest", T0 + timedelta(minutes=1))
        assert (run.data_interval_start, run.data_interval_end) == (INGEST_START, T0)
        _refresh(store)
        assert store.count() == everything
        # Nothing new, but the mentions still wait for enrichment: the asset is emitted again (created 0).
        assert _asset_events(MENTIONS)[events_before + 1 :] == [{"created": 0}]
    finally:
        store.close()


def test_backfill_ingest_enrich_alerts_twice(dagbag, scenario, rate_limited_api):
    require_or_skip(MODEL_FILE.exists(), "no trained sentiment model in nlp/models/default: run `make train-sentiment`")
    counts = scenario["counts"]
    backfill_conf = {"source": "import", "start": BASELINE_START.isoformat(), "end": INGEST_START.isoformat()}
    events_before = len(_asset_events(MENTIONS))
    store = _open_store(scenario)
    try:
        # Round 1 ---------------------------------------------------------------------------
        run, states = run_dag(dagbag, "groundswell_backfill", T0 - timedelta(hours=1), conf=backfill_conf)
        assert run.state == "success", states
        assert states[("collect_import", 0)] == states[("collect_import", 1)] == "success"
        assert states[("collect_mastodon", -1)] == "skipped"  # the params chose the import source only
        _refresh(store)
        assert store.count() == counts["baseline"]

        run, states = run_dag(dagbag, "groundswell_ingest", T0)
        assert states[("collect_import", 0)] == "success" and states[("publish", -1)] == "success"
        _refresh(store)
        assert store.count() == counts["baseline"] + counts["spike"] + counts["later"]
        created = [event["created"] for event in _asset_events(MENTIONS)[events_before:]]
        # Backfill's (its range), and ingest's: the rest of the export, read from its cursor.
        assert created == [counts["baseline"], counts["spike"] + counts["later"]]

        run, states = run_dag(dagbag, "groundswell_enrich", T0 + timedelta(minutes=1))
        assert run.state == "success", states
        _refresh(store)
        assert store.unenriched(limit=10) == []
        from indexing.base import Filters

        burst = Filters(brand="Lumora", since=INGEST_START, until=T0)
        # Tagged by the real model (its accuracy is nlp's business; here: it ran, and the burst reads negative).
        assert store.facet(burst, "sentiment").get("negative", 0) >= counts["spike"] // 2
        assert store.top_themes(Filters(brand="Lumora")), "groundswell_enrich.themes labelled nothing"

        run, states = run_dag(dagbag, "groundswell_alerts", T0)
        assert run.state == "success", states
        sent = _sent_alerts(scenario)
        assert sent, "the crisis burst raised no alert"
        assert {a["brand"] for a in sent} == {"Lumora"}

        # Round 2: the same windows again ---------------------------------------------------
        run, states = run_dag(dagbag, "groundswell_backfill", T0 - timedelta(minutes=59), conf=backfill_conf)
        assert run.state == "success", states
        assert states[("publish", -1)] == "skipped"  # nothing new and nothing waiting: no asset event
        run, states = run_dag(dagbag, "groundswell_ingest", T0 + timedelta(minutes=1))
        assert states[("publish", -1)] == "skipped"
        _refresh(store)
        assert store.count() == counts["baseline"] + counts["spike"] + counts["later"]
        assert len(_asset_events(MENTIONS)) == events_before + 2

        run, states = run_dag(dagbag, "groundswell_alerts", T0 + timedelta(minutes=1))
        assert run.state == "success", states
        assert _sent_alerts(scenario) == sent  # detected again, delivered never twice
    finally:
        store.close()


def test_ingest_covers_the_intervals_missed_since_the_last_successful_run(dagbag, tmp_path, monkeypatch, capfd):
    """Catchup is off, so after downtime the next run reaches back to the last successful run's end."""
    corpus = tmp_path / "export.jsonl"
    counts = write_corpus(corpus)
    config = write_config(tmp_path, corpus, None, {"type": "sqlite", "path": str(tmp_path / "gs.db")})
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(config))
    scenario = {"config": config, "es_url": None}

    run, _ = run_dag(dagbag, "groundswell_ingest", T0)
    assert run.state == "success"
    capfd.readouterr()
    # An hour of runs missed: this one's interval is [12:45, 13:00); the window passed reaches back to 12:00.
    run, _ = run_dag(dagbag, "groundswell_ingest", T0 + timedelta(hours=1))
    assert run.state == "success"
    assert "Lumora / import [2026-11-20 12:00:00+00:00 .. 2026-11-20 13:00:00+00:00)" in capfd.readouterr().out
    store = _open_store(scenario)
    try:  # the import source reads its file from its cursor, whatever the window: all of it, once
        assert store.count() == counts["baseline"] + counts["spike"] + counts["later"]
    finally:
        store.close()


def test_backfill_with_an_unknown_brand_fails_at_once_and_says_why(dagbag, tmp_path, monkeypatch, capfd):
    corpus = tmp_path / "export.jsonl"
    write_corpus(corpus)
    config = write_config(tmp_path, corpus, None, {"type": "sqlite", "path": str(tmp_path / "gs.db")})
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(config))
    conf = {"brand": "Nobody", "start": BASELINE_START.isoformat(), "end": T0.isoformat()}

    run, states = run_dag(dagbag, "groundswell_backfill", T0 + timedelta(hours=5), conf=conf)

    assert run.state == "failed"
    assert states[("plan_import", -1)] == "failed"
    tis = {ti.task_id: ti for ti in run.get_task_instances()}
    assert tis["plan_import"].try_number == 1  # AirflowFailException: bad params are not retried
    out, err = capfd.readouterr()
    assert "unknown brand 'Nobody'; the config has: Lumora, Sonique" in out + err
