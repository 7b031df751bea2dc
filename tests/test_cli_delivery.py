"""`groundswell run` / `detect` when a channel refuses the alerts: the summary, then the documented exit code."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner
from store_faults import refuse_state_writes

from alerts.history import save_alerts
from core.alert import Alert
from groundswell.cli import cli
from indexing.sqlite import SqliteStore


class _Receiver(BaseHTTPRequestHandler):
    """A webhook receiver answering every POST with the server's `status` (500: down; 200: up)."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.posts += 1  # type: ignore[attr-defined]
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.status, server.posts = 500, 0  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _setup(tmp_path: Path) -> Path:
    """A config whose webhook is the receiver (through $HOOK_URL), over a store holding one alert of the
    last hour that no channel took yet: `notify` offers it again (alerts.deliver.with_pending)."""
    config = write_config(tmp_path, channels=[{"type": "webhook", "url_env": "HOOK_URL", "retries": 0}])
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    store = SqliteStore(tmp_path / "g.db")
    try:
        save_alerts(store, [Alert(brand="Acme", severity="critical", window_start=end - timedelta(hours=1),
                                  window_end=end, observed=30, expected=2, statistic="poisson", score=12.0,
                                  summary="Acme: 30 mentions in one hour against 2 expected")])
    finally:
        store.close()
    return config


def _invoke(receiver: ThreadingHTTPServer, *args: str):
    env = {"HOOK_URL": f"http://127.0.0.1:{receiver.server_port}/hook"}
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.mark.parametrize("command", [["run", "--no-progress"], ["detect"]])
def test_a_failed_delivery_exits_with_the_delivery_code_after_the_summary(tmp_path, receiver, command):
    # It exited 0 with "alerts_failed": 1 in the summary: a scheduler saw success while no one was told.
    config = _setup(tmp_path)
    result = _invoke(receiver, *command, "-c", str(config))
    assert receiver.posts >= 1  # the receiver was asked, and refused
    assert result.exit_code == 3, result.output  # README, "Exit codes": some deliveries failed
    summary = json.loads(result.stdout.strip().splitlines()[-1])  # printed first, whole
    failed = summary["alerts_failed"] if command[0] == "run" else summary["delivery"]["failed"]
    assert failed == 1
    assert "1 alert delivery(ies) failed" in result.stderr


@pytest.mark.parametrize("command", [["run", "--no-progress"], ["detect"]])
def test_a_sent_alert_the_ledger_could_not_record_exits_with_the_delivery_code(tmp_path, receiver, command):
    # It exited 0: a store refusing the ledger's writes re-sent the last day's alerts every run, unnoticed.
    receiver.status = 200  # type: ignore[attr-defined]
    config = _setup(tmp_path)
    refuse_state_writes(tmp_path / "g.db", "alert_sent:%", "attempt to write a readonly database")
    result = _invoke(receiver, *command, "-c", str(config))
    assert receiver.posts == 1  # sent, then not recorded
    assert result.exit_code == 3, result.output  # README, "Exit codes": a delivery failure
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    unrecorded = summary["alerts_sent_unrecorded"] if command[0] == "run" else summary["delivery"]["unrecorded"]
    assert unrecorded == 1
    assert "1 alert delivery(ies) sent but not recorded in the delivery ledger" in result.stderr


@pytest.mark.parametrize("command", [["run", "--no-progress"], ["detect"]])
def test_a_delivered_alert_exits_0(tmp_path, receiver, command):
    receiver.status = 200  # type: ignore[attr-defined]
    result = _invoke(receiver, *command, "-c", str(_setup(tmp_path)))
    assert result.exit_code == 0, result.output
    assert receiver.posts == 1


def test_run_prints_its_summary_when_the_report_cannot_be_written(tmp_path, receiver):
    # report.path under a regular file: `run` crashed after notify (the alert was sent) with a traceback and
    # no summary, so nothing said what the run had done.
    receiver.status = 200  # type: ignore[attr-defined]
    config = _setup(tmp_path)
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    settings = json.loads(config.read_text(encoding="utf-8"))
    settings["report"]["path"] = str(tmp_path / "afile" / "report.html")
    config.write_text(json.dumps(settings), encoding="utf-8")
    result = _invoke(receiver, "run", "--no-progress", "-c", str(config))
    assert result.exit_code == 1, result.output
    assert receiver.posts == 1  # the alert went out before the report step
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["alerts_sent"] == 1 and summary["report"] is None
    message = f"cannot write {tmp_path / 'afile' / 'report.html'}: {tmp_path / 'afile'} is a file, not a folder"
    assert summary["report_error"] == message
    assert result.stderr.strip().splitlines()[-1] == f"Error: {message}"
    assert "Traceback" not in result.output


def test_run_and_detect_send_by_default_and_take_no_send():
    # `run` had no --no-send at all, and `detect --help` did not say that it sends unless told not to.
    for command in ("run", "detect"):
        result = CliRunner().invoke(cli, [command, "--help"], terminal_width=200)
        assert result.exit_code == 0, result.output
        line = next(line for line in result.output.splitlines() if "--send / --no-send" in line)
        assert "[default: send]" in line and "--no-send stores them and sends nothing" in line
        assert "decided over 24 h ago are stored, not sent" in result.output  # --history's help
