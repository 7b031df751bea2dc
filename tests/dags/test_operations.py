"""What running the DAGs under real Airflow showed (dag.test()): XCom and task logs hold no post text, a digest
day that has not ended is refused, a future logical date never deletes the store, bad params and missing
credentials fail at once (not retried) naming what to fix."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from .conftest import (
    QuietHandler,
    configure_sources,
    local_http,
    run_dag,
    stored_corpus_with_digest_webhook,
    x_api_handler,
    x_connection,
)
from .corpus import T0

pytestmark = pytest.mark.airflow
HOOK_ENV = "GS_TEST_OPS_HOOK_URL"
ODD_BRAND = "Q?A #1"  # `?` and `#` cut an XCom key short ("Q"): brand names must never be keys


def _xcom_rows(run) -> list[tuple[str, str, str]]:
    """(task_id, key, JSON value) of every XCom row the run left in Airflow's metadata DB."""
    from airflow.models.xcom import XComModel  # lazy: Airflow only after the airflow_home fixture (conftest)
    from airflow.utils.session import create_session  # lazy: as above
    from sqlalchemy import select  # lazy: as above (Airflow's metadata DB)

    with create_session() as session:
        rows = session.scalars(select(XComModel).where(XComModel.dag_id == run.dag_id, XComModel.run_id == run.run_id))
        return [(r.task_id, r.key, json.dumps(r.value)) for r in rows]


def _tries(run) -> dict[str, int]:
    return {ti.task_id: ti.try_number for ti in run.get_task_instances()}


@pytest.fixture
def hook():
    """A webhook receiver: counts POSTs."""
    received: list[bytes] = []

    class Handler(QuietHandler):
        def do_POST(self):  # noqa: N802 - http.server API
            received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with local_http(Handler) as url:
        yield f"{url}/digest", received


@pytest.fixture
def stored(airflow_home, hook, tmp_path, monkeypatch):
    """The test corpus in SQLite (collected by the library), a brand with `?`/`#` in its name, the digest sent to a
    webhook whose URL only the `groundswell_mgmt` connection carries. Returns (directory, posts of the corpus)."""
    url, _ = hook
    odd_brand = {"name": ODD_BRAND, "query": "Sonique"}
    corpus = stored_corpus_with_digest_webhook(
        tmp_path, monkeypatch, url, HOOK_ENV, keep_alert_channel=True, extra_brands=(odd_brand,)
    )
    posts = []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        try:
            posts.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # the corpus's one broken line
    return tmp_path, posts


def _quoted(posts: list[dict]) -> set[str]:
    """What of the corpus must never reach XCom or a task log: texts, URLs, handles (with their @)."""
    return {p["text"] for p in posts} | {p["url"] for p in posts} | {"@" + p["author"]["handle"] for p in posts}


def test_the_digest_hands_on_counts_only_in_xcom_and_its_log(dagbag, hook, stored, capfd):
    directory, posts = stored
    _, received = hook
    capfd.readouterr()
    run, states = run_dag(dagbag, "groundswell_digest", T0 + timedelta(hours=20), conf={"day": "2026-11-20"})
    out, err = capfd.readouterr()

    assert run.state == "success", states
    assert len(received) == 1  # really sent, and the digest file quotes the posts
    digest_json = (directory / "digests" / "2026-11-20.json").read_text(encoding="utf-8")
    quoted = _quoted(posts)
    assert any(q in digest_json for q in quoted)
    rows = _xcom_rows(run)
    assert [(task, key) for task, key, _ in rows] == [("digest", "return_value")]  # one XCom, not one per key
    value = json.loads(rows[0][2])
    assert value["brands"] == 3 and value["channels"]["mgmt"]["sent"] == 1
    leaked = [q for q in quoted if any(q in v for _, _, v in rows) or q in out + err]
    assert not leaked, leaked[:3]


def test_maintenance_xcoms_are_counts_under_one_key_each(dagbag, stored, capfd):
    _, posts = stored
    capfd.readouterr()
    run, states = run_dag(dagbag, "groundswell_maintenance", T0 + timedelta(days=1))
    out, err = capfd.readouterr()

    assert run.state == "success", states
    rows = _xcom_rows(run)
    assert {key for _, key, _ in rows} == {"return_value"}  # brand names (`Q?A #1` -> "Q") are no keys
    themes = json.loads(next(v for task, _, v in rows if task == "themes_full"))
    assert isinstance(themes, list) and len(themes) == 3 and all(isinstance(n, int) for n in themes)
    leaked = [q for q in _quoted(posts) if any(q in v for _, _, v in rows) or q in out + err]
    assert not leaked, leaked[:3]


@pytest.mark.parametrize("days_ahead", [0, 3])  # today (still running), a future day
def test_a_digest_day_that_has_not_ended_is_refused_not_sent(dagbag, hook, stored, capfd, days_ahead):
    directory, _ = stored
    _, received = hook
    day = datetime.now(UTC).date() + timedelta(days=days_ahead)
    capfd.readouterr()
    run, states = run_dag(dagbag, "groundswell_digest", T0 + timedelta(hours=20), conf={"day": day.isoformat()})
    out, err = capfd.readouterr()

    assert states[("digest", -1)] == "failed" and run.state == "failed"
    assert _tries(run)["digest"] == 1  # AirflowFailException: not retried
    assert "has not ended yet" in out + err
    assert not received and not (directory / "digests" / f"{day.isoformat()}.json").exists()


def test_a_future_logical_date_does_not_delete_the_store(dagbag, stored, tmp_path):
    """Retention counts from min(interval end, now): a logical date beyond retention deletes nothing that now keeps."""
    from groundswell import pipeline  # lazy: the library after Airflow's env is set
    from groundswell.config import load_config  # lazy: as above

    path = tmp_path / "groundswell.yaml"
    config = yaml.safe_load(path.read_text())
    oldest = datetime.fromisoformat(min(p["created_at"] for p in stored[1]))
    keep = (datetime.now(UTC) - oldest).days + 30  # every post is inside retention as of the real now
    config["store"]["retention_days"] = keep
    path.write_text(yaml.safe_dump(config, sort_keys=False))

    def count() -> int:
        store = pipeline.open_store(load_config(path))
        try:
            return store.count()
        finally:
            store.close()

    before = count()
    future = datetime.now(UTC).replace(hour=3, minute=15, second=0, microsecond=0) + timedelta(days=keep + 10)
    run, states = run_dag(dagbag, "groundswell_maintenance", future)

    assert run.state == "success", states
    assert count() == before > 0


@pytest.mark.parametrize(("conf", "named"), [
    ({"start": "", "end": "2026-11-21T00:00:00+00:00"}, "param 'start' is empty"),
    ({"start": "2026-11-20T00:00:00+00:00", "end": ""}, "param 'end' is empty"),
    ({"start": "2026-11-20T00:00:00+00:00", "end": "yesterday"}, "param 'end' is not an ISO 8601 date-time"),
])
def test_empty_or_bad_backfill_params_fail_at_once_naming_the_param(dagbag, stored, capfd, conf, named):
    capfd.readouterr()
    run, states = run_dag(dagbag, "groundswell_backfill", T0, conf=conf)
    out, err = capfd.readouterr()

    plans = {task: n for task, n in _tries(run).items() if task.startswith("plan_")}
    assert plans and all(states[(task, -1)] == "failed" for task in plans), states
    assert set(plans.values()) == {1}  # not retried
    assert named in out + err


def test_missing_credentials_fail_at_once_naming_the_connection_and_env_var(dagbag, tmp_path, monkeypatch, capfd):
    configure_sources(tmp_path, monkeypatch, [{"type": "x", "options": {"api_base_url": "http://127.0.0.1:9",
                                                                         "max_pages": 1}}])
    x_connection(monkeypatch, None)
    capfd.readouterr()
    run, states = run_dag(dagbag, "groundswell_ingest", T0 + timedelta(hours=3))
    out, err = capfd.readouterr()

    assert states[("collect_x", 0)] == "failed", states
    assert next(ti.try_number for ti in run.get_task_instances() if ti.task_id == "collect_x") == 1
    assert "groundswell_x" in out + err and "$X_BEARER_TOKEN" in out + err



class _Captured(logging.Handler):
    """Every record any logger emits, formatted, with no filter of ours on this handler."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def debug_log():
    names = ("", "urllib3", "urllib3.connectionpool", "tweepy", "tweepy.client")
    levels = {n: logging.getLogger(n).level for n in names}
    captured = _Captured()
    root = logging.getLogger()
    root.addHandler(captured)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield captured
    root.removeHandler(captured)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_a_debug_run_logs_no_webhook_path_or_bearer_token(dagbag, hook, stored, debug_log, monkeypatch, capfd):
    url, received = hook
    secret_path = "/services/T0001/B0002/hookpath-SECRET-9b8c7d"
    monkeypatch.setenv("AIRFLOW_CONN_GROUNDSWELL_MGMT",
                       json.dumps({"conn_type": "generic", "password": url.rsplit("/", 1)[0] + secret_path}))
    run, states = run_dag(dagbag, "groundswell_digest", T0 + timedelta(hours=20), conf={"day": "2026-11-20"})
    assert run.state == "success", states
    assert received  # the webhook got it, so urllib3 logged the request
    out, err = capfd.readouterr()
    logged = "\n".join(debug_log.lines) + out + err
    assert "POST " in logged  # the DEBUG line is there, masked
    assert "hookpath-SECRET-9b8c7d" not in logged and secret_path not in logged


def test_a_debug_run_logs_no_x_bearer_token(dagbag, tmp_path, monkeypatch, debug_log, capfd):
    token = "gs-ops-bearer-1d2e3f4a5b"
    with local_http(x_api_handler([])) as url:
        configure_sources(tmp_path, monkeypatch, [{"type": "x", "options": {"api_base_url": url, "max_pages": 1,
                                                                             "endpoint": "all"}}])
        x_connection(monkeypatch, token)
        run, states = run_dag(dagbag, "groundswell_ingest", T0 + timedelta(hours=3))
    assert states[("collect_x", 0)] == "success", states
    out, err = capfd.readouterr()
    logged = "\n".join(debug_log.lines) + out + err
    assert "Authorization" in logged or "GET " in logged  # the clients' DEBUG lines are there
    assert token not in logged
