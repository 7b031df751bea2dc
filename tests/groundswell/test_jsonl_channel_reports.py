"""A `jsonl` channel's file holds alerts and the digests / reports sent to it: `alerts list` (and the dashboard)
read its alerts back and skip the report lines silently, while a truly broken line still gets its warning.

Before, every digest line warned "…/retail.jsonl:1 is not a valid alert (Field required); skipped" on every read.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from alerts.channels.base import Report
from alerts.channels.jsonl import JsonlSender
from core.alert import Alert
from groundswell.cli import cli

START = datetime(2026, 11, 10, 12, tzinfo=UTC)


def test_report_lines_of_a_jsonl_channel_are_skipped_without_a_warning(tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    channel = tmp_path / "retail.jsonl"
    sender = JsonlSender(str(channel))  # the channel's own writer, as deliveries write the file
    sender.send_report(Report(id="d1", subject="digest", text="", html="", data={"day": "2026-11-10", "brands": []}))
    sender.send(Alert(brand="Acme", kind="spike", severity="critical", window_start=START,
                      window_end=START + timedelta(hours=1), observed=9, expected=1, statistic="poisson", score=5.0))
    sender.send_report(Report(id="d2", subject="digest", text="", html="", data={"day": "2026-11-11", "brands": []}))
    with channel.open("a", encoding="utf-8") as fh:
        fh.write('{"brand": "Acme"}\n')  # broken: no alert fields
    config = write_config(tmp_path, channels=[{"type": "jsonl", "name": "retail", "path": str(channel)}])
    with caplog.at_level(logging.WARNING):
        result = CliRunner().invoke(cli, ["alerts", "list", "-c", str(config)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["brand"] for r in rows] == ["Acme"]
    skipped = [r.getMessage() for r in caplog.records if "is not a valid alert" in r.getMessage()]
    assert skipped == [f"{channel}:4 is not a valid alert (Field required); skipped"]
