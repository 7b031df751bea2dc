"""`groundswell alerts`: every subcommand its help promises exists and runs."""

from __future__ import annotations

import json

from click.testing import CliRunner

from groundswell.cli import cli


def test_alerts_help_lists_backtest_and_evaluate():
    result = CliRunner().invoke(cli, ["alerts", "--help"])
    assert result.exit_code == 0
    assert "backtest" in result.output and "evaluate" in result.output


def test_alerts_evaluate_scores_the_presets(tmp_path):
    out = tmp_path / "eval.json"
    args = ["--seed", "7", "--held-out-seed", "2101", "--brands", "2", "--weeks", "2", "--jobs", "1", "--json", out]
    result = CliRunner().invoke(cli, ["alerts", "evaluate", *map(str, args)])
    assert result.exit_code == 0, result.output
    assert "held-out streams" in result.output and "| balanced |" in result.output
    report = json.loads(out.read_text())
    assert report["tuning"]["seeds"] == [7] and report["held_out"]["seeds"] == [2101]
    assert {"fewer", "balanced", "more"} <= set(report["held_out"]["presets"])
