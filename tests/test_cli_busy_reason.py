"""Exit 7 (a busy store) iff some write of the command failed because another process held the store's write lock,
read from the failed write itself, not from a probe of the lock when the command ends: a lock let go before the end
still exits 7, and a full disk while another process has taken the lock by the end stays 5 (or 6). Real SQLite store,
real second connection; the lock is taken or let go right after the batch is parked (the moment the end-of-command
probe raced with), by wrapping the real `DeadLetter.park`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from groundswell import cli as cli_module
from groundswell.cli import cli
from groundswell.deadletter import DeadLetter
from groundswell.exit_codes import EXIT_STORE_BUSY, EXIT_STORE_LOST, EXIT_UNSTORED
from indexing import sqlite as sqlite_store
from indexing.sqlite import SqliteStore

POST = {"author": {"followers": 5, "handle": "ann", "id": "u-ann"}, "created_at": "2026-03-01T10:00:00Z",
        "native_id": "n1", "source": "x", "text": "acme is great " + "words " * 400, "url": "https://x.example/a/n1"}


class FullStore(SqliteStore):
    """The real store on a disk with no room left (`PRAGMA max_page_count`: SQLite's own "database or disk is
    full", as in tests/groundswell/test_store_disk_full.py)."""

    def _connect(self):
        conn = super()._connect()
        conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        return conn


def _setup(tmp_path: Path) -> tuple[Path, sqlite3.Connection]:
    config = write_config(tmp_path)
    (tmp_path / "in.jsonl").write_text(json.dumps(POST) + "\n", encoding="utf-8")
    SqliteStore(tmp_path / "g.db").close()  # the schema, as a first run leaves it
    return config, sqlite3.connect(tmp_path / "g.db", isolation_level=None, check_same_thread=False)


def _after_park(monkeypatch: pytest.MonkeyPatch, then) -> None:
    real = DeadLetter.park

    def park(self, mentions, reason):
        parked = real(self, mentions, reason)
        then()
        return parked

    monkeypatch.setattr(DeadLetter, "park", park)


def test_a_lock_let_go_before_the_command_ends_still_exits_busy(tmp_path, monkeypatch):
    config, holder = _setup(tmp_path)
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_S", 0.2)  # the real wait is 30 s
    holder.execute("BEGIN EXCLUSIVE")
    _after_park(monkeypatch, lambda: holder.execute("ROLLBACK"))  # the other process is done by the end
    result = CliRunner().invoke(cli, ["ingest", "--no-progress", "-c", str(config)])
    holder.close()
    assert result.exit_code == EXIT_STORE_BUSY, result.output  # was 5: the probe found the lock free
    assert json.loads(result.stdout.splitlines()[-1])["deadletter"] == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: the store is busy")


def test_a_full_disk_while_another_process_takes_the_lock_is_not_busy(tmp_path, monkeypatch):
    config, holder = _setup(tmp_path)
    monkeypatch.setattr(cli_module, "open_store", lambda cfg: FullStore(cfg.store.path))
    _after_park(monkeypatch, lambda: holder.execute("BEGIN EXCLUSIVE"))  # a `maintain` starts meanwhile
    result = CliRunner().invoke(cli, ["ingest", "--no-progress", "-c", str(config)])
    holder.execute("ROLLBACK")
    holder.close()
    assert result.exit_code in (EXIT_UNSTORED, EXIT_STORE_LOST), result.output  # was 7: the probe found it held
    assert "the store is busy" not in result.stderr
