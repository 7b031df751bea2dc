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


def test_alerts_evaluate_runs_from_a_checkout_whose_root_is_not_on_sys_path(tmp_path):
    # The editable install (`pip install -e .`) maps each package to its folder with a finder and never puts
    # the checkout root on sys.path, so `tools` was importable only from the root itself: `groundswell alerts
    # evaluate` said "run it from a clone of the repository" inside the clone. The same finder, with the
    # packages and tools/ in a checkout of symlinks, run from elsewhere (-P: not even the current directory).
    import subprocess
    import sys
    import tomllib
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    include = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    shipped = [p.rstrip("*") for p in include["include"]]
    checkout, elsewhere = tmp_path / "checkout", tmp_path / "elsewhere"
    checkout.mkdir(), elsewhere.mkdir()
    for package in [*shipped, "tools"]:
        (checkout / package).symlink_to(repo / package)
    editable_finder = (
        "import sys\n"
        "from importlib.machinery import PathFinder\n"
        "class Mapped:\n"
        "    @staticmethod\n"
        "    def find_spec(name, path=None, target=None):\n"
        f"        return PathFinder.find_spec(name, [{str(checkout)!r}]) if name in {shipped!r} else None\n"
        "sys.meta_path.insert(0, Mapped)\n"
        "from groundswell.cli import cli\n"
        "cli(['alerts', 'evaluate', '--help'])\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-P", "-c", editable_finder],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "--held-out-seed" in run.stdout and "Print precision / recall" in run.stdout


def _config(tmp_path) -> str:
    path = tmp_path / "g.yaml"
    path.write_text(
        f"brands:\n  - {{name: Acme, query: acme}}\nstore: {{type: sqlite, path: {tmp_path / 'g.db'}}}\n",
        encoding="utf-8",
    )
    return str(path)


def test_alerts_routes_takes_the_shared_config_option(tmp_path):
    # `-c` was "No such option", and $GROUNDSWELL_CONFIG "Missing option '--config'".
    config = _config(tmp_path)
    for args, env in ((["-c", config], {}), (["--config", config], {}), ([], {"GROUNDSWELL_CONFIG": config})):
        result = CliRunner().invoke(cli, ["alerts", "routes", *args], env=env)
        assert result.exit_code == 0, (args, result.output)
    missing = CliRunner().invoke(cli, ["alerts", "routes"], env={"GROUNDSWELL_CONFIG": None})
    assert missing.exit_code == 2 and "Missing option '--config' / '-c'" in missing.output


def test_alerts_backtest_takes_the_shared_config_option(tmp_path):
    # With a config its brands are backtested (here one the input never names); without one, the input's.
    mention = {
        "source": "x", "native_id": "1", "created_at": "2026-01-05T10:00:00Z", "brand": "Other", "text": "hi",
        "sentiment": {"label": "neutral", "probs": {"neutral": 0.9}, "model": "test"},
    }  # fmt: skip
    (tmp_path / "m.jsonl").write_text(json.dumps(mention) + "\n", encoding="utf-8")
    config, backtest = _config(tmp_path), ["alerts", "backtest", "--input", str(tmp_path / "m.jsonl")]

    def brands(args: list[str], env: dict[str, str | None]) -> list[str]:
        result = CliRunner().invoke(cli, [*backtest, *args], env=env)
        assert result.exit_code == 0, (args, result.output)
        return json.loads(result.stdout.strip().splitlines()[-1])["summary"]["brands"]

    assert brands(["-c", config], {}) == ["Acme"]
    assert brands([], {"GROUNDSWELL_CONFIG": config}) == ["Acme"]
    assert brands([], {"GROUNDSWELL_CONFIG": None}) == ["Other"]  # the config stays optional
