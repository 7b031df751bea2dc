"""What a new user's mistakes print: one `Error:` line and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner, Result

from groundswell.cli import cli
from indexing import sqlite as sqlite_store
from indexing.sqlite import SqliteStore

REPO = Path(__file__).resolve().parent.parent


def _one_error_line(result: Result) -> str:
    """The single stderr line of a command that failed cleanly."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # click's exit, not a crash
    assert "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    return line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- a store the config cannot open -------------------------------------------------------------------
ES_COMMANDS = {
    "report": ["report"],
    "run": ["run", "--no-progress"],
    "ingest": ["ingest", "--no-progress"],
    "detect": ["detect"],
    "digest": ["digest"],
    "maintain": ["maintain"],
    "brands suggest": ["brands", "suggest", "Acme"],
    "serve": ["serve", "--port", "PORT"],
}


@pytest.mark.parametrize("name", sorted(ES_COMMANDS))
def test_an_unset_store_url_is_one_config_error(name):
    # examples/elasticsearch.yaml as shipped, without $GROUNDSWELL_ES_URL: every command printed the
    # traceback of core.errors.ConfigError, and `run` no summary.
    args = [str(_free_port()) if a == "PORT" else a for a in ES_COMMANDS[name]]
    config = REPO / "examples" / "elasticsearch.yaml"
    result = CliRunner().invoke(cli, [*args, "-c", str(config)], env={"GROUNDSWELL_ES_URL": None})
    assert _one_error_line(result) == (
        "Error: store.url is not set and $GROUNDSWELL_ES_URL is empty: set one of them"
    )


# -- outputs that cannot be written -------------------------------------------------------------------
@pytest.fixture
def config(tmp_path: Path) -> Path:
    """An embedded store with nothing in it, and a regular file `afile` where a folder could be asked for."""
    (tmp_path / "afile").write_text("a file, not a folder", encoding="utf-8")
    return write_config(tmp_path)


def _with(config: Path, section: str, key: str, value: str) -> Path:
    settings = json.loads(config.read_text(encoding="utf-8"))
    settings[section][key] = value
    config.write_text(json.dumps(settings), encoding="utf-8")
    return config


@pytest.mark.parametrize("option", [["report", "--out"], ["advocates", "--brand", "Acme", "--csv"]])
def test_an_output_option_under_a_file_is_one_cannot_write_line(config, tmp_path, option):
    # FileExistsError: [Errno 17] File exists: 'afile', after a traceback.
    out = tmp_path / "afile" / "x.out"
    result = CliRunner().invoke(cli, [*option, str(out), "-c", str(config)])
    assert _one_error_line(result) == f"Error: cannot write {out}: {tmp_path / 'afile'} is a file, not a folder"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc, where no file can be created")
def test_an_output_the_os_refuses_names_the_os_reason(config):
    result = CliRunner().invoke(cli, ["advocates", "--brand", "Acme", "--csv", "/proc/x.csv", "-c", str(config)])
    assert _one_error_line(result) == "Error: cannot write /proc/x.csv: No such file or directory"


@pytest.mark.parametrize("command", [["report"], ["digest", "--day", "2026-03-01"], ["ingest", "--no-progress"]])
def test_a_store_path_under_a_file_is_one_cannot_write_line(config, tmp_path, command):
    _with(config, "store", "path", str(tmp_path / "afile" / "g.db"))
    result = CliRunner().invoke(cli, [*command, "-c", str(config)])
    assert _one_error_line(result) == (
        f"Error: cannot write {tmp_path / 'afile' / 'g.db'}: {tmp_path / 'afile'} is a file, not a folder"
    )


@pytest.mark.parametrize("command", [["report"], ["digest", "--day", "2026-03-01"]])
def test_a_report_path_under_a_file_is_one_cannot_write_line(config, tmp_path, command):
    # `digest` writes beside the report (digests/): it crashed the same way as `report`.
    _with(config, "report", "path", str(tmp_path / "afile" / "report.html"))
    result = CliRunner().invoke(cli, [*command, "-c", str(config)])
    line = _one_error_line(result)
    assert line.startswith(f"Error: cannot write {tmp_path / 'afile'}")
    assert line.endswith(f": {tmp_path / 'afile'} is a file, not a folder")


def test_a_lazy_commands_output_error_is_one_line_too(tmp_path):
    # `kibana build -o` is another package's command: the group still turns its OSError into one line.
    out = tmp_path / "afile" / "k.ndjson"
    (tmp_path / "afile").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["kibana", "build", "-o", str(out)])
    line = _one_error_line(result)  # "Error: PATH: Not a directory" (or `cannot write` once -o is an OutputPath)
    assert line.startswith("Error: ") and str(tmp_path / "afile") in line


# -- a store another process holds locked ---------------------------------------------------------------
@pytest.mark.parametrize("args", [["maintain", "--retention-days", "30"], ["detect", "--no-send"]])
def test_a_store_locked_past_the_wait_is_one_error_line(tmp_path, monkeypatch, args):
    # A real second connection holds the write lock (as a long `maintain` VACUUM or a copy does): the command
    # printed sqlite3's "database is locked" traceback, and the dashboard answered 500.
    config = write_config(tmp_path)
    SqliteStore(tmp_path / "g.db").close()  # the schema, as a first run leaves it
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_S", 0.2)  # the real wait is 30 s
    holder = sqlite3.connect(tmp_path / "g.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = CliRunner().invoke(cli, [*args, "-c", str(config)])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 7, result.output  # EXIT_STORE_BUSY (tests/test_cli_exit_codes.py)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: the store is busy: another process"), line
