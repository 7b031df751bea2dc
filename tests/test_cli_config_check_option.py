"""`groundswell config check` reads its config as every command does: PATH, -c/--config, or $GROUNDSWELL_CONFIG
(docs/alerts.md). It took only the positional PATH: `-c` was "No such option", the variable was ignored."""

from __future__ import annotations

from cli_config import write_config
from click.testing import CliRunner

from groundswell.cli import cli


def test_config_check_takes_the_option_the_variable_and_the_path(tmp_path):
    config = str(write_config(tmp_path))
    for args, env in ((["-c", config], {}), (["--config", config], {}), ([], {"GROUNDSWELL_CONFIG": config}),
                      ([config], {}), ([config, "-c", config], {})):
        result = CliRunner().invoke(cli, ["config", "check", *args], env=env)
        assert result.exit_code == 0, (args, result.output)
        assert result.stdout.startswith(f"{config}: OK (1 brand(s), 1 source(s), store sqlite)"), result.output


def test_config_check_checks_the_file_the_option_names(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("brands: [{name: Acme}]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check"], env={"GROUNDSWELL_CONFIG": str(bad)})
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {bad}"), result.output


def test_config_check_without_a_config_or_with_two_is_a_usage_error(tmp_path):
    one, other = str(write_config(tmp_path)), str(tmp_path / "other.yaml")
    none = CliRunner().invoke(cli, ["config", "check"], env={"GROUNDSWELL_CONFIG": None})
    assert none.exit_code == 2 and "no config: give its PATH, -c/--config PATH" in none.stderr
    two = CliRunner().invoke(cli, ["config", "check", one, "-c", other])
    assert two.exit_code == 2 and "two configs given" in two.stderr
