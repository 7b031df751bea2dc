"""Ranges that hold nothing are refused, not run as an empty success: `enrich --limit`, `digest --day`, `collect`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cli_config import write_config
from click.testing import CliRunner

from groundswell.cli import cli

TIMEZONE = "Pacific/Kiritimati"  # UTC+14: its day is not UTC's


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, digest={"timezone": TIMEZONE})


@pytest.mark.parametrize("limit", ["0", "-5"])
def test_enrich_refuses_a_limit_below_1(config, limit):
    # It exited 0 having enriched nothing.
    result = CliRunner().invoke(cli, ["enrich", "-c", str(config), "--limit", limit, "--no-progress"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--limit'" in result.stderr and "x>=1" in result.stderr


def test_digest_refuses_a_day_that_has_not_ended_in_its_timezone(config, tmp_path):
    # `digest --day 2099-01-01` wrote an all-zero digest and exited 0, as if nothing had been said that day.
    today = datetime.now(UTC).astimezone(ZoneInfo(TIMEZONE)).date()
    yesterday = today - timedelta(days=1)
    for day in (today, today + timedelta(days=1), datetime(2099, 1, 1).date()):
        result = CliRunner().invoke(cli, ["digest", "-c", str(config), "--day", day.isoformat()])
        assert result.exit_code == 1, result.output
        assert result.stderr.strip() == (
            f"Error: {day.isoformat()} has not ended yet in {TIMEZONE} (digest.timezone): the latest day that has "
            f"is {yesterday.isoformat()}"
        )
    assert not (tmp_path / "digests").exists()
    done = CliRunner().invoke(cli, ["digest", "-c", str(config), "--day", yesterday.isoformat()])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "digests" / f"{yesterday.isoformat()}.md").is_file()


@pytest.mark.parametrize("period", ["week", "month"])
def test_a_period_report_refuses_a_period_that_has_not_ended(config, tmp_path, period):
    # `digest --period week --day <today>` wrote a report of part of a week, or of none, as if it were quiet.
    today = datetime.now(UTC).astimezone(ZoneInfo(TIMEZONE)).date()
    for day in (today, datetime(2099, 1, 1).date()):
        args = ["digest", "-c", str(config), "--period", period, "--day", day.isoformat(), "--no-send"]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert "has not ended yet in Pacific/Kiritimati (digest.timezone): the latest complete one is" in result.stderr
    assert not (tmp_path / "reports").exists()
    last = CliRunner().invoke(cli, ["digest", "-c", str(config), "--period", period, "--no-send"])
    assert last.exit_code == 0, last.output


def test_collect_refuses_a_reversed_window(tmp_path):
    # It read nothing and exited 0 ("0 mention(s)"), as advocates and re-enrich no longer do.
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "1", "text": "acme", "created_at": "2026-11-05T10:00:00Z"}\n', encoding="utf-8")
    args = ["collect", "--source", "import", "--query", "acme", "-o", f"path={source}",
            "--since", "2026-11-21", "--until", "2026-11-01", "--out", str(tmp_path / "o.jsonl")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "must be before until" in result.stderr and not (tmp_path / "o.jsonl").exists()
