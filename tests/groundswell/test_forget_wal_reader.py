"""`subject forget` with another reader holding a snapshot of the SQLite store (a dashboard's paging or export,
another process): the WAL cannot be folded in and cut while it reads, so the erasure waits a bounded time for it
(`SqliteStore.fold_wal`) and, when it still holds, says so (output, JSON `wal_held`, exit 1): the deleted text may
still be on disk. The rows are deleted either way; a run once the reader is gone finishes the fold."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from click.testing import CliRunner
from subject_corpus import ANN, HANDLE, build

from groundswell import subject_forget
from groundswell.cli import cli
from groundswell.config import load_config

SECRET = ANN[0].text.encode("utf-8")


def _on_disk(db: Path) -> dict[str, bool]:
    """Whether the store file and its -wal still hold the erased text."""
    return {p.name: SECRET in p.read_bytes() for p in db.parent.iterdir() if p.name.startswith(db.name)}


def _reader(db: Path) -> sqlite3.Connection:
    """Another connection holding a read snapshot, as a dashboard's paging does."""
    conn = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
    conn.execute("BEGIN")
    assert conn.execute("SELECT count(*) FROM mentions").fetchone()[0] > 0
    return conn


def _forget(path: Path):
    return CliRunner().invoke(cli, ["subject", "forget", "-c", str(path), "--author", f"x:{HANDLE}"])


def test_a_reader_that_ends_within_the_wait_leaves_no_copy_on_disk(tmp_path):
    path = build(tmp_path)
    db = Path(load_config(path).store.path)
    reader = _reader(db)
    ended = threading.Timer(1.0, lambda: (reader.rollback(), reader.close()))
    ended.start()
    try:
        result = _forget(path)
    finally:
        ended.join()
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["mentions"] == len(ANN) and report["wal_held"] is False
    assert not any(_on_disk(db).values()), _on_disk(db)


def test_a_reader_still_holding_is_reported_and_a_later_run_finishes(tmp_path, monkeypatch):
    monkeypatch.setattr(subject_forget, "WAL_WAIT_S", 0.5)
    path = build(tmp_path)
    db = Path(load_config(path).store.path)
    reader = _reader(db)
    try:
        held = _forget(path)
        assert any(_on_disk(db).values())  # what the reader's snapshot may still need stays on disk meanwhile
    finally:
        reader.rollback()
        reader.close()
    assert held.exit_code == 1, held.output
    report = json.loads(held.stdout)
    assert report["mentions"] == len(ANN) and report["wal_held"] is True  # the rows are deleted all the same
    assert "the WAL still holds erased pages" in held.stderr and "the WAL still holds" in report["result"]
    again = _forget(path)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["wal_held"] is False
    assert not any(_on_disk(db).values()), _on_disk(db)
