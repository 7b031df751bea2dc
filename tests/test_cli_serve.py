"""`groundswell serve` and the demo's hint for it: -c, a busy port, a printed command that runs."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from click.testing import CliRunner
from serve_support import REPO, free_port, serve_env, serving

from groundswell.cli import cli
from indexing.sqlite import SqliteStore


def _config(tmp_path: Path, store: str = "g.db") -> Path:
    """A config whose store is `tmp_path/store`; g.db exists (an empty store, as a first run leaves it)."""
    SqliteStore(tmp_path / "g.db").close()
    path = tmp_path / "groundswell.yaml"
    path.write_text(
        "brands:\n  - name: Acme\n    query: acme\n"
        f"sources:\n  - type: import\n    options: {{path: {tmp_path / 'in.jsonl'}}}\n"
        f"store: {{type: sqlite, path: {tmp_path / store}}}\n",
        encoding="utf-8",
    )
    return path


def test_busy_port_is_one_clear_error_before_any_dashboard_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "-c", str(_config(tmp_path)), "--port", str(port)])
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.output and "--port" in result.output
    assert "dashboard on" not in result.output


def test_serve_takes_c_and_answers_on_the_port(tmp_path):
    port = free_port()
    cmd = [sys.executable, "-m", "groundswell.cli", "serve", "-c", str(_config(tmp_path)), "--port", str(port)]
    env = {**serve_env(), "GROUNDSWELL_DASHBOARD_USER_HEADER": "X-Forwarded-User"}  # as behind a sign-in proxy
    with serving(cmd, port, env, "/healthz", timeout_s=2) as served:
        unsigned = urllib.request.Request(f"http://127.0.0.1:{port}/api/sentiment/undo", data=b'{"ids": ["x:1"]}',
                                          headers={"Content-Type": "application/json"}, method="POST")
        try:
            urllib.request.urlopen(unsigned, timeout=10)
            raise AssertionError("a write without the user header was accepted")
        except urllib.error.HTTPError as refused:
            assert refused.code == 403 and "X-Forwarded-User" in refused.read().decode()
    assert f"dashboard on http://127.0.0.1:{port}/" in served.output


def test_a_mistyped_store_path_is_refused_and_not_created(tmp_path):
    """store.path naming no file (a typo: groundswel.db): opening it made an empty store, every page showed 0
    mentions, and the new empty file made the typo look valid the next time."""
    port = free_port()
    config = _config(tmp_path, store="groundswel.db")
    # A process of its own: before the fix it served (and would serve on) instead of ending.
    cmd = [sys.executable, "-m", "groundswell.cli", "serve", "-c", str(config), "--port", str(port)]
    proc = subprocess.run(cmd, cwd=REPO, env=serve_env(), capture_output=True, text=True, timeout=60)
    typo = tmp_path / "groundswel.db"
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"no store at {typo}" in lines[0] and "check store.path" in lines[0] and "groundswell run -c" in lines[0]
    assert "dashboard on" not in proc.stdout + proc.stderr
    assert not typo.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["g.db", "groundswell.yaml"]
    with socket.socket() as free:  # refused before it listened: the port is still free
        free.bind(("127.0.0.1", port))


def test_a_user_header_that_is_no_header_name_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "-c", str(_config(tmp_path)), "--user-header", "X Forwarded User"])
    assert result.exit_code == 2 and "is not a header name" in result.output


def test_printed_serve_command_runs_without_an_activated_venv(tmp_path):
    """The hint `make demo` prints must work as typed, also when .venv/bin is not on PATH."""
    env = {**serve_env(), "PATH": "/usr/bin:/bin"}
    probe = [sys.executable, "-c", "from groundswell.cli import runnable_command; print(runnable_command())"]
    hint = subprocess.run(probe, cwd=REPO, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert hint != "groundswell"  # not on this PATH: the bare name would be 'command not found'
    proc = subprocess.run(
        [*shlex.split(hint), "serve", "--help"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "--config" in proc.stdout and "-c" in proc.stdout


def test_printed_command_is_the_bare_name_when_it_is_on_path():
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "groundswell").is_file()  # `make venv` installs the console script beside python
    env = {**serve_env(), "PATH": f"{bin_dir}:/usr/bin:/bin"}
    probe = [sys.executable, "-c", "from groundswell.cli import runnable_command; print(runnable_command())"]
    hint = subprocess.run(probe, cwd=REPO, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert hint == "groundswell"


def test_only_a_missing_sqlite_file_is_refused(tmp_path):
    """An Elasticsearch store has no file to check (the cluster reports itself); an existing SQLite file serves."""
    from dashboards.web.cli import missing_store
    from indexing.config import ElasticsearchStoreConfig, SqliteStoreConfig

    assert missing_store(ElasticsearchStoreConfig(type="elasticsearch", url="http://127.0.0.1:9"), "g.yaml") is None
    SqliteStore(tmp_path / "g.db").close()
    assert missing_store(SqliteStoreConfig(path=str(tmp_path / "g.db")), "g.yaml") is None
    refusal = missing_store(SqliteStoreConfig(path=str(tmp_path / "typo.db")), "my config.yaml")
    assert refusal and "\n" not in refusal and "groundswell run -c 'my config.yaml'" in refusal
