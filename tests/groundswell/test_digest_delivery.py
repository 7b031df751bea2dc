"""The daily digest sent to the report channels with `digest.daily: send` (once per day and channel), written
only by default; a digest or report of days before any data is written, never sent. A real SQLite store with
the docs' seeded mentions (from 2026-08-31), a real HTTP receiver and a JSONL file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from click.testing import CliRunner

from groundswell.cli import cli
from groundswell.period_delivery import report_key, run_daily_digest, run_period_report
from tests.alerts.conftest import http_server  # noqa: F401 (fixture)
from tests.groundswell.test_period_report import _config, store  # noqa: F401 (fixture)

DAY = date(2026, 11, 18)


def _channels(tmp_path, http_server) -> list[dict]:  # noqa: F811
    return [
        {"type": "slack", "name": "team-slack", "url_env": "SLACK", "retries": 0},
        {"type": "jsonl", "name": "archive", "path": str(tmp_path / "sent.jsonl")},
    ]


def _lines(tmp_path) -> list[dict]:
    path = tmp_path / "sent.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_the_daily_digest_is_sent_once_per_day_and_channel(tmp_path, store, http_server):  # noqa: F811
    config = _config(tmp_path, channels=_channels(tmp_path, http_server), daily="send")
    env = {"SLACK": http_server.url + "/slack"}

    first = run_daily_digest(config, store, DAY, env=env)
    again = run_daily_digest(config, store, DAY, env=env)

    assert first["delivery"]["team-slack"]["sent"] == 1 and first["delivery"]["archive"]["sent"] == 1
    assert again["delivery"]["team-slack"]["already_sent"] == 1 and again["delivery"]["archive"]["already_sent"] == 1
    (posted,) = http_server.on("/slack")
    assert posted["json"]["text"] == "Groundswell digest — 2026-11-18"
    assert "Lumora:" in json.dumps(posted["json"]["blocks"], ensure_ascii=False)
    (line,) = _lines(tmp_path)
    assert line["report"]["day"] == "2026-11-18" and "markdown" not in line["report"]
    assert store.get_state(report_key("team-slack", "day:2026-11-18")) is not None
    assert (tmp_path / "out" / "digests" / "2026-11-18.md").exists()


def test_by_default_the_daily_digest_is_written_and_not_sent(tmp_path, store, http_server):  # noqa: F811
    """Teams that set `send_to` for their weekly report get no daily messages on upgrade."""
    config = _config(tmp_path, channels=_channels(tmp_path, http_server), send_to=["team-slack", "archive"])
    result = run_daily_digest(config, store, DAY, env={"SLACK": http_server.url + "/slack"})
    assert "delivery" not in result and (tmp_path / "out" / "digests" / "2026-11-18.md").exists()
    assert http_server.on("/slack") == [] and _lines(tmp_path) == []


def test_a_digest_of_a_day_before_any_data_is_not_sent(tmp_path, store, http_server):  # noqa: F811
    config = _config(tmp_path, channels=_channels(tmp_path, http_server), daily="send")
    result = run_daily_digest(config, store, date(2026, 8, 30), env={"SLACK": http_server.url + "/slack"})
    assert "first day with data is 2026-08-31" in result["not_sent"] and "delivery" not in result
    assert http_server.on("/slack") == [] and _lines(tmp_path) == []
    assert (tmp_path / "out" / "digests" / "2026-08-30.md").exists()


def test_a_month_before_any_data_is_written_but_not_sent(tmp_path, store, http_server):  # noqa: F811
    """`digest --period month --day 2026-10-15` on a store whose data started in November mailed an all-zero
    October to managers, as if it had been a quiet month."""
    config = _config(tmp_path, channels=_channels(tmp_path, http_server))
    env = {"SLACK": http_server.url + "/slack"}
    now = datetime(2026, 12, 2, tzinfo=UTC)
    result = run_period_report(config, store, "month", date(2026, 8, 15), env=env, now=now)
    assert "not_sent" not in result  # data on its last day: a partly covered month is sent (its coverage says so)
    july = run_period_report(config, store, "month", date(2026, 7, 15), env=env, now=now)
    assert july["not_sent"] == (
        "not sent: July 2026 has no data for any brand (the first day with data is 2026-08-31, after 2026-07-31); "
        "its all-zero figures would read as a quiet period"
    )
    assert "delivery" not in july and all(open(july[k]).read() for k in ("markdown", "html", "json"))
    assert result["delivery"]["team-slack"]["sent"] == 1
    assert len(http_server.on("/slack")) == 1


def test_cli_refuses_to_send_a_month_without_data_and_sends_the_daily_digest(tmp_path, store, http_server,  # noqa: F811
                                                                             monkeypatch):
    path = tmp_path / "groundswell.yaml"
    config = {
        "brands": [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique"}],
        "store": {"path": str(tmp_path / "g.db")},
        "report": {"path": str(tmp_path / "out" / "report.html")},
        "channels": [{"type": "slack", "url_env": "SLACK"}],
        "digest": {"daily": "send"},
    }
    path.write_text(json.dumps(config))
    monkeypatch.setenv("SLACK", http_server.url + "/slack")

    month = CliRunner().invoke(cli, ["digest", "--config", str(path), "--period", "month", "--day", "2026-07-15"])
    assert month.exit_code == 1 and "not sent: July 2026 has no data" in month.output
    assert (tmp_path / "out" / "reports" / "month-2026-07.md").exists() and http_server.on("/slack") == []

    day = CliRunner().invoke(cli, ["digest", "--config", str(path), "--day", "2026-11-18"])
    assert day.exit_code == 0, day.output
    assert json.loads(day.stdout.strip().splitlines()[-1])["delivery"]["slack"]["sent"] == 1
    quiet = CliRunner().invoke(cli, ["digest", "--config", str(path), "--day", "2026-11-17", "--no-send"])
    assert quiet.exit_code == 0 and len(http_server.on("/slack")) == 1
