"""`config check PATH` checks PATH while $GROUNDSWELL_CONFIG (exported for every other command) names another config;
only a typed -c that disagrees with PATH is refused."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from groundswell.cli import cli


def _config(path: Path, brand: str) -> Path:
    path.write_text(json.dumps({"brands": [{"name": brand, "query": brand.lower()}],
                                "store": {"path": str(path.with_suffix(".db"))}}), encoding="utf-8")
    return path


def test_path_wins_over_the_environment_and_a_typed_config_that_disagrees_is_refused(tmp_path: Path):
    live, new = _config(tmp_path / "live.yaml", "Lumora"), _config(tmp_path / "new.yaml", "Sonique")
    env = {"GROUNDSWELL_CONFIG": str(live)}
    checked = CliRunner().invoke(cli, ["config", "check", str(new)], env=env)
    assert checked.exit_code == 0, checked.output  # was 2: "two configs given"
    assert checked.stdout.startswith(f"{new}: OK")
    from_env = CliRunner().invoke(cli, ["config", "check"], env=env)
    assert from_env.exit_code == 0 and from_env.stdout.startswith(f"{live}: OK"), from_env.output
    typed = CliRunner().invoke(cli, ["config", "check", "-c", str(live), str(new)])
    assert typed.exit_code == 2 and "two configs given" in typed.stderr
    same = CliRunner().invoke(cli, ["config", "check", "-c", str(new), str(new)], env=env)
    assert same.exit_code == 0, same.output
