"""`config check` says up front when a file a run writes cannot be written: the report's folder missing and
impossible to make, or not writable; a SQLite `store.path` that is a directory; a JSONL channel's file. It
creates nothing while checking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from groundswell.cli import EXIT_PARTIAL, cli
from groundswell.config import config_notes, config_warnings, load_config
from tests.conftest import shared_path


def _config(tmp_path: Path, **sections: object) -> Path:
    data = {"brands": [{"name": "A", "query": "a"}], "store": {"path": "data/g.db"},
            "report": {"path": "out/report.html"}, **sections}
    path = tmp_path / "g.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _warnings(path: Path) -> list[str]:
    return config_warnings(load_config(path), env={})


def test_folders_a_run_would_create_are_fine_and_check_creates_nothing(tmp_path: Path) -> None:
    path = _config(tmp_path, channels=[{"type": "jsonl", "path": "alerts/a.jsonl"}])
    assert _warnings(path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.yaml"]


def test_a_report_folder_under_a_file_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file where the folder should be", encoding="utf-8")
    assert _warnings(_config(tmp_path)) == [
        f"report.path: cannot create the folder {tmp_path / 'out'}: {tmp_path / 'out'} is a file"
    ]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_report_folder_where_nothing_can_be_written_is_a_warning(tmp_path: Path) -> None:
    # /proc refuses new entries even to root, whom permissions would not stop.
    (warning,) = _warnings(_config(tmp_path, report={"path": "/proc/nope/report.html"}))
    assert warning.startswith("report.path: cannot create the folder /proc/nope (nothing can be written in /proc: ")


def test_a_store_path_that_is_a_directory_is_a_warning_not_a_note(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    config = load_config(_config(tmp_path, store={"path": "data"}))
    assert config_warnings(config, env={}) == [f"store.path: {tmp_path / 'data'} is a directory: name a file inside it"]
    assert config_notes(config) == []


def test_a_store_no_run_can_create_is_a_warning_without_the_note_that_a_run_will_create_it(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("", encoding="utf-8")
    config = load_config(_config(tmp_path))
    folder = tmp_path / "data"
    assert config_warnings(config, env={}) == [f"store.path: cannot create the folder {folder}: {folder} is a file"]
    assert config_notes(config) == []


def test_a_jsonl_channel_file_is_checked_too(tmp_path: Path) -> None:
    (tmp_path / "alerts").write_text("", encoding="utf-8")
    path = _config(tmp_path, channels=[{"type": "jsonl", "name": "log", "path": "alerts/a.jsonl"}])
    assert _warnings(path) == [
        f"channels.0 (log).path: cannot create the folder {tmp_path / 'alerts'}: {tmp_path / 'alerts'} is a file"
    ]


def test_config_check_exits_partial_on_an_unwritable_output(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    result = CliRunner().invoke(cli, ["config", "check", str(_config(tmp_path, store={"path": "data"}))])
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert "will fail at run time" in result.output and "store.path: " in result.output


@pytest.mark.parametrize("stream", ["apple-2014", "gop-debate-2015"])
def test_the_shared_streams_configs_pass_config_check(stream: str) -> None:
    path = shared_path("data", "streams", stream, "groundswell.yaml")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 0, result.output
