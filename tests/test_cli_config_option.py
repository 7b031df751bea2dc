"""Every command that reads a config takes the shared -c/--config option, and $GROUNDSWELL_CONFIG."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from groundswell.cli import cli


# Still their own --config (another change): `alerts backtest` (optional, for its rules) and `alerts routes`.
def _commands(group: click.Group, ctx: click.Context, prefix: str = "") -> dict[str, click.Command]:
    """Every command under `group`, lazy ones included, by its full name ("store copy")."""
    found: dict[str, click.Command] = {}
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            found |= _commands(command, ctx, f"{prefix}{name} ")
        else:
            found[prefix + name] = command
    return found


def test_every_config_option_is_the_shared_one():
    # `brands suggest` took no $GROUNDSWELL_CONFIG, `serve` had its own default (groundswell.yaml).
    with click.Context(cli) as ctx:
        commands = _commands(cli, ctx)
    with_config = {name: c for name, c in commands.items() if any(p.name == "config_path" for p in c.params)}
    assert {"brands suggest", "serve", "run", "detect", "store copy"} <= set(with_config)
    for name, command in with_config.items():
        (option,) = [p for p in command.params if p.name == "config_path"]
        assert isinstance(option, click.Option), name
        assert {"-c", "--config"} <= set(option.opts), name
        assert option.envvar == "GROUNDSWELL_CONFIG", name


def test_brands_suggest_reads_the_config_from_the_environment(tmp_path: Path):
    config = tmp_path / "g.yaml"
    config.write_text(json.dumps({
        "brands": [{"name": "Lumora", "query": "lumora"}], "store": {"path": str(tmp_path / "g.db")},
    }), encoding="utf-8")
    result = CliRunner().invoke(cli, ["brands", "suggest", "Lumora"], env={"GROUNDSWELL_CONFIG": str(config)})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Alias candidates for Lumora")
    unknown = CliRunner().invoke(cli, ["brands", "suggest", "Lumra"], env={"GROUNDSWELL_CONFIG": str(config)})
    assert unknown.exit_code == 1
    assert "unknown brand 'Lumra'; the config has: Lumora" in unknown.stderr
