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


def test_alerts_evaluate_without_tools_says_it_needs_a_checkout(tmp_path):
    # The wheel's packages only (pyproject's find-include), as an installed runtime sees them:
    # tools/ is offline tooling and not among them, so the command must say so in one line.
    import subprocess
    import sys
    import tomllib
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    include = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    shipped = [p.rstrip("*") for p in include["include"]]
    assert "tools" not in shipped
    for package in shipped:
        (tmp_path / package).symlink_to(repo / package)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "HOME": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "groundswell.cli", "alerts", "evaluate", "--seed", "7"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert run.stderr.strip().splitlines() == [
        "Error: `groundswell alerts evaluate` runs tools.alerts.evaluate, offline tooling that ships with the "
        "source checkout, not the installed package: run it from a clone of the repository"
    ]


def test_alerts_evaluate_refuses_fewer_weeks_than_the_streams_need(tmp_path):
    # One week used to crash inside alerts/evalstreams.py (numpy: low >= high) after a traceback.
    out = tmp_path / "eval.json"
    for weeks in ("1", "0", "-3"):
        args = ["alerts", "evaluate", "--seed", "7", "--held-out-seed", "2101", "--brands", "1", "--jobs", "1"]
        result = CliRunner().invoke(cli, [*args, "--weeks", weeks, "--json", str(out)])
        assert result.exit_code == 2, result.output  # a usage error, not a crash
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "--weeks" in result.output and "x>=2" in result.output, result.output
    assert not out.exists()
    help_text = " ".join(CliRunner().invoke(cli, ["alerts", "evaluate", "--help"]).output.split())  # unwrapped
    assert "at least 2: the first week is history only" in help_text
