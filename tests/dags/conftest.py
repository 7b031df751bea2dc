"""Real Airflow for the DAG tests: one temp AIRFLOW_HOME with a SQLite metadata DB per session.

Airflow reads its configuration when `airflow` is first imported, so the
environment is set before anything imports it, and the DB is migrated by the code
`airflow db migrate` runs. Pools come from dags/groundswell_pools.json, the file
docs/airflow.md tells operators to load with `airflow pools import`.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from es_node import es_node, es_url  # noqa: F401  (session fixtures: one real Elasticsearch node per session)

from .corpus import write_config, write_corpus

IN_CI = os.environ.get("CI", "").lower() == "true"

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
POOLS_FILE = DAGS / "groundswell_pools.json"


def airflow_env(home: Path) -> dict[str, str]:
    """Environment for a throwaway Airflow: its own home and SQLite DB, our dags folder, no examples."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated Airflow metadata DB with the Groundswell pools; env set for this process too."""
    if "airflow" in sys.modules:
        pytest.fail("airflow was imported before the airflow_home fixture set AIRFLOW_HOME; import it lazily")
    home = tmp_path_factory.mktemp("airflow_home")
    os.environ.update(airflow_env(home))
    started = time.monotonic()
    # What `airflow db migrate` runs, in this process (which needs airflow imported anyway).
    from airflow.utils import db

    db.upgradedb()
    create_pools(POOLS_FILE)
    print(f"airflow metadata DB migrated and pools created in {time.monotonic() - started:.1f}s")
    return home


def create_pools(path: Path) -> list[str]:
    """The pools in a file written for `airflow pools import` (docs/airflow.md tells operators to use that)."""
    from airflow.models.pool import Pool

    pools = json.loads(path.read_text())
    for name, spec in pools.items():
        Pool.create_or_update_pool(
            name=name, slots=spec["slots"], description=spec["description"], include_deferred=spec["include_deferred"]
        )
    return sorted(pools)


@pytest.fixture(scope="session")
def dagbag(airflow_home: Path):
    """Every DAG file parsed the way the DAG processor does (bundle path on sys.path)."""
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=str(DAGS), bundle_path=str(DAGS), bundle_name="dags-folder")


@contextmanager
def fast_retries(dag, retries: int = 1) -> Iterator[None]:
    """Keep tasks retrying, but after 1-2 s instead of minutes (dag.test() really waits out retry delays).

    The DAG objects are the session's DagBag's, so the real settings are put back afterwards.
    """
    fields = ("retries", "retry_delay", "max_retry_delay")
    saved = {tid: {f: getattr(t, f) for f in fields} for tid, t in dag.task_dict.items()}
    for task in dag.task_dict.values():
        task.retries = min(task.retries, retries)
        task.retry_delay = timedelta(seconds=1)
        task.max_retry_delay = timedelta(seconds=2)
    try:
        yield
    finally:
        for tid, values in saved.items():
            for field, value in values.items():
                setattr(dag.task_dict[tid], field, value)


def run_dag(dagbag, dag_id: str, logical_date, conf: dict | None = None):
    """One real DagRun through dag.test(); returns it and {(task_id, map_index): state}."""
    dag = dagbag.dags[dag_id]
    started = time.monotonic()
    with fast_retries(dag):
        run = dag.test(logical_date=logical_date, run_after=logical_date, run_conf=conf)
    tis = run.get_task_instances()
    states = {(ti.task_id, ti.map_index): ti.state for ti in tis}
    slowest = sorted(((ti.duration or 0, ti.task_id) for ti in tis), reverse=True)[:3]
    took = time.monotonic() - started
    print(f"{dag_id} @ {logical_date:%Y-%m-%d %H:%M}: {run.state} in {took:.1f}s; slowest tasks {slowest}")
    return run, states


def require_or_skip(condition: bool, reason: str) -> None:
    """Skip when a needed part is missing locally; fail in CI, where it must be there (as tests/conftest.py)."""
    if condition:
        return
    if IN_CI:
        pytest.fail(reason + "; CI=true, so this must not be skipped")
    pytest.skip(reason)


@contextmanager
def local_http(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real HTTP server on a free local port answering with `handler`; yields its base URL, shut down after."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing (the test output stays the DAG's) and answers JSON with `reply`."""

    def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        """Answer `status` with the JSON `body` and any extra `headers`."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def x_api_handler(seen: list[str]) -> type[BaseHTTPRequestHandler]:
    """A stand-in for the X API: every GET finds nothing; the Authorization header tweepy sent goes to `seen`."""

    class Handler(QuietHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            seen.append(self.headers.get("Authorization", ""))
            self.reply(200, json.dumps({"meta": {"result_count": 0}}).encode())

    return Handler


def configure_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sources: list[dict]) -> Path:
    """A groundswell.yaml with one brand (Lumora), these sources and a SQLite store; GROUNDSWELL_CONFIG points at it."""
    config = {
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": sources,
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
    }
    path = tmp_path / "groundswell.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(path))
    return path


def x_connection(monkeypatch: pytest.MonkeyPatch, token: str | None) -> None:
    """The X token only in the `groundswell_x` Airflow connection (none at all when `token` is None), never in the
    worker's $X_BEARER_TOKEN."""
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    if token is None:
        monkeypatch.delenv("AIRFLOW_CONN_GROUNDSWELL_X", raising=False)
    else:
        monkeypatch.setenv("AIRFLOW_CONN_GROUNDSWELL_X", json.dumps({"conn_type": "generic", "password": token}))


def stored_corpus_with_digest_webhook(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    hook_env: str,
    *,
    keep_alert_channel: bool,
    extra_brands: tuple[dict, ...] = (),
) -> Path:
    """The DAG test corpus stored in SQLite (collected by the library, as ingest does), `digest.daily: send` to a
    webhook channel `mgmt` whose URL variable `hook_env` is unset in the worker: only the `groundswell_mgmt`
    connection carries `url`. Returns the corpus file; the config is tmp_path/groundswell.yaml."""
    from groundswell import pipeline  # lazy: the library after Airflow's env is set (airflow_home)
    from groundswell.config import load_config  # lazy: as above

    corpus = tmp_path / "export.jsonl"
    write_corpus(corpus)
    path = write_config(tmp_path, corpus, None, {"type": "sqlite", "path": str(tmp_path / "gs.db")})
    config = yaml.safe_load(path.read_text())
    config["brands"].extend(extra_brands)
    webhook = {"type": "webhook", "name": "mgmt", "url_env": hook_env, "retries": 0}
    config["channels"] = [*config["channels"], webhook] if keep_alert_channel else [webhook]
    config["digest"] = {"daily": "send"}
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    loaded = load_config(path)
    store = pipeline.open_store(loaded)
    try:
        assert pipeline.collect(loaded, store).stored > 0
    finally:
        store.close()
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(path))
    monkeypatch.delenv(hook_env, raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_GROUNDSWELL_MGMT", json.dumps({"conn_type": "generic", "password": url}))
    return corpus
