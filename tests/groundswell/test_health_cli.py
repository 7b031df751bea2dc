"""`groundswell health`: sources answering 401 every run or 200 with nothing, a webhook answering 500, a damaged
store; each said by name with what to do, and exit 8 (README, "Exit codes") while something is failing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner
from health_fake import serving

from alerts.history import save_alerts
from core.alert import Alert
from groundswell.cli import cli
from groundswell.exit_codes import EXIT_UNHEALTHY
from indexing.sqlite import SqliteStore

SECRET = "FAKE_hn_token_8842"


@pytest.fixture
def fake() -> Iterator[ThreadingHTTPServer]:
    with serving() as server:
        yield server


def _config(tmp_path: Path, server: ThreadingHTTPServer, **sections) -> Path:
    base = f"http://127.0.0.1:{server.server_port}"
    sections.setdefault("sources", [
        {"type": "hackernews", "name": "hn-401", "options": {"base_url": f"{base}/hn-401"}},
        {"type": "hackernews", "name": "hn-news", "options": {"base_url": f"{base}/hn-news"}},
    ])
    return write_config(tmp_path, **sections)


def _health(config: Path, *extra: str, env: dict | None = None):
    result = CliRunner().invoke(cli, ["health", "-c", str(config), "--json", *extra], env=env)
    return result, json.loads(result.stdout)


def _row(report: dict, kind: str, name: str) -> dict:
    return next(r for r in report["rows"] if r["kind"] == kind and r["name"] == name)


def test_a_source_refused_every_run_and_one_gone_quiet_are_named_with_what_to_do(tmp_path, fake):
    config = _config(tmp_path, fake)
    runner = CliRunner()
    for run in range(4):  # the first run brings a story; the next three nothing, as a source gone quiet
        fake.news = run == 0  # type: ignore[attr-defined]
        result = runner.invoke(cli, ["ingest", "-c", str(config), "--no-progress"])
        assert result.exit_code == 3, result.output  # one source failed, the other collected
    result, report = _health(config)
    assert result.exit_code == EXIT_UNHEALTHY, result.output
    assert report["status"] == "failing"
    refused = _row(report, "source", "hn-401/Acme")
    assert refused["status"] == "failing"
    assert refused["record"]["consecutive_failures"] == 4 and refused["record"]["last_success"] is None
    assert "401" in refused["detail"] and "credentials" in refused["action"]
    quiet = _row(report, "source", "hn-news/Acme")
    assert quiet["status"] == "warning"
    assert quiet["record"]["zero_item_runs"] == 3 and quiet["record"]["items_ever"] is True
    assert quiet["record"]["last_success"] is not None and quiet["record"]["newest_post"] is not None
    assert "3 empty passes in a row" in quiet["detail"]
    assert _row(report, "brand", "Acme")["status"] == "ok"  # the story of the first run is an hour old
    table = runner.invoke(cli, ["health", "-c", str(config)])
    assert table.exit_code == EXIT_UNHEALTHY
    assert "FAILING  source" in table.stdout and "hn-401/Acme" in table.stdout and "What to do:" in table.stdout


def test_a_quiet_brand_read_often_is_no_source_gone_quiet(tmp_path, fake):
    """Empty passes in a row after a post an hour old: a brand with a post every few hours read hourly. Only once
    its newest post is 6 hours old do empty passes read as a source that stopped (`ZERO_RUNS_QUIET`)."""
    fake.story_age = 3600  # type: ignore[attr-defined]
    config = _config(tmp_path, fake, sources=[
        {"type": "hackernews", "name": "hn-news",
         "options": {"base_url": f"http://127.0.0.1:{fake.server_port}/hn-news"}}])
    runner = CliRunner()
    for run in range(5):
        fake.news = run == 0  # type: ignore[attr-defined]
        assert runner.invoke(cli, ["ingest", "-c", str(config), "--no-progress"]).exit_code == 0
    _, report = _health(config)
    quiet = _row(report, "source", "hn-news/Acme")
    assert quiet["record"]["zero_item_runs"] == 4 and quiet["status"] == "ok", quiet


def test_a_webhook_failing_every_run_owes_its_critical_alert_until_it_takes_it(tmp_path, fake):
    config = _config(tmp_path, fake, sources=[],
                     channels=[{"type": "webhook", "name": "ops", "url_env": "HOOK_URL", "retries": 0}])
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    store = SqliteStore(tmp_path / "g.db")
    try:
        save_alerts(store, [Alert(brand="Acme", severity="critical", window_start=end - timedelta(hours=1),
                                  window_end=end, observed=30, expected=2, statistic="poisson", score=12.0,
                                  summary="Acme: 30 mentions in one hour against 2 expected")])
    finally:
        store.close()
    env = {"HOOK_URL": f"http://127.0.0.1:{fake.server_port}/hook?token={SECRET}"}
    runner = CliRunner()
    result, report = _health(config, env=env)
    assert _row(report, "channel", "ops")["status"] == "ok"  # nothing was owed yet
    for _ in range(3):
        assert runner.invoke(cli, ["detect", "-c", str(config)], env=env).exit_code == 3  # delivery failed
    result, report = _health(config, env=env)
    ops = _row(report, "channel", "ops")
    assert result.exit_code == EXIT_UNHEALTHY and ops["status"] == "failing"
    assert ops["record"]["consecutive_failures"] == 3
    assert ops["record"]["owed_critical"]["severity"] == "critical" and "owes critical alert" in ops["detail"]
    assert SECRET not in result.stdout  # the receiver's URL is in the error; its token never is
    fake.hook_status = 200  # type: ignore[attr-defined]
    assert runner.invoke(cli, ["detect", "-c", str(config)], env=env).exit_code == 0
    result, report = _health(config, env=env)
    ops = _row(report, "channel", "ops")
    assert ops["status"] == "ok" and ops["record"]["owed"] is None and ops["record"]["consecutive_failures"] == 0


def test_a_damaged_store_and_a_missing_one_are_failing(tmp_path, fake):
    config = _config(tmp_path, fake, sources=[])
    result, report = _health(config)
    assert result.exit_code == EXIT_UNHEALTHY
    assert _row(report, "store", "sqlite")["detail"].endswith("does not exist")
    assert not (tmp_path / "g.db").exists()  # the probe made no store
    SqliteStore(tmp_path / "g.db").close()
    result, report = _health(config)
    assert _row(report, "store", "sqlite")["status"] == "ok"
    assert _row(report, "brand", "Acme")["status"] == "warning"  # nothing stored: a warning, not a failure
    assert result.exit_code == 0, result.output
    (tmp_path / "g.db").write_bytes(b"\0" * 8192)
    result, report = _health(config)
    assert result.exit_code == EXIT_UNHEALTHY
    assert _row(report, "store", "sqlite")["status"] == "failing"


def test_maintain_drops_the_record_of_a_source_not_run_for_90_days_and_keeps_the_rest(tmp_path, fake):
    config = _config(tmp_path, fake, sources=[])
    store = SqliteStore(tmp_path / "g.db")
    try:
        old = (datetime.now(UTC) - timedelta(days=91)).isoformat()
        store.set_state("health:source:gone:Acme", json.dumps({"source": "gone", "type": "rss", "brand": "Acme",
                                                               "last_attempt": old}))
        store.set_state("health:channel:ops", json.dumps({"channel": "ops", "last_attempt": datetime.now(UTC)
                                                          .isoformat()}))
    finally:
        store.close()
    result = CliRunner().invoke(cli, ["maintain", "-c", str(config)])
    assert result.exit_code == 0, result.output
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert sorted(store.state_items("health:")) == ["health:channel:ops"]
    finally:
        store.close()


def test_a_sentiment_model_path_that_is_gone_is_failing_without_loading_anything(tmp_path, fake):
    config = _config(tmp_path, fake, sources=[], nlp={"sentiment_model": str(tmp_path / "models" / "gone")})
    SqliteStore(tmp_path / "g.db").close()
    result, report = _health(config)
    model = _row(report, "model", "sentiment")
    assert result.exit_code == EXIT_UNHEALTHY and model["status"] == "failing"
    assert "does not exist" in model["detail"] and "nlp.sentiment_model" in model["detail"]
