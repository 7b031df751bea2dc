"""A full disk during collection is never a green run, and the last line says the disk (README "Exit codes", 6).

The fault is SQLite's own: the real store's connections are capped at the pages the file holds (`PRAGMA
max_page_count`: "database or disk is full", as in tests/groundswell/test_store_disk_full.py). When the dead-letter
file cannot be written either (the default layout puts it on the same full disk), the fault is a real one too: the
file's temporary sibling is a folder, so the real `DeadLetter` fails to write it. The review's run exited 0 with
`failed_writes: 500, deadletter: 0`; nothing was lost (the cursor held), but nothing said so."""

from __future__ import annotations

import json
from pathlib import Path

from cli_config import write_config
from click.testing import CliRunner

from groundswell import cli as cli_module
from groundswell.cli import cli
from groundswell.exit_codes import EXIT_STORE_LOST
from indexing.base import Filters
from indexing.sqlite import SqliteStore

FULL_LINE = ("Error: the store could not be written: database or disk is full (the disk holding the store is full: "
             "free space, then run again)")


class FullStore(SqliteStore):
    """The real store on a disk with no room left: no page beyond those the file holds now."""

    def _connect(self):
        conn = super()._connect()
        conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        return conn


def _setup(tmp_path: Path, posts: int = 30, words: int = 60) -> Path:
    config = write_config(tmp_path)
    rows = [{"native_id": f"n{i}", "text": f"acme battery {i} " + "words " * words,
             "created_at": "2026-03-01T10:00:00Z", "author": {"handle": f"a{i}"}, "source": "x",
             "url": f"https://x.example/a/n{i}"} for i in range(posts)]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    store = SqliteStore(tmp_path / "g.db")  # the schema, as a first run leaves it, with no free page
    store.vacuum()
    store.close()
    return config


def _stored(tmp_path: Path) -> int:
    store = SqliteStore(tmp_path / "g.db")
    try:
        return store.count(Filters(include_spam=True))
    finally:
        store.close()


def test_a_full_disk_that_also_refuses_the_dead_letter_file_is_not_a_green_run(tmp_path, monkeypatch):
    config = _setup(tmp_path)
    (tmp_path / "deadletter.jsonl.lock").mkdir()  # the dead-letter file cannot be written: a real OSError
    monkeypatch.setattr(cli_module, "open_store", lambda cfg: FullStore(cfg.store.path))
    result = CliRunner().invoke(cli, ["ingest", "--no-progress", "-c", str(config)])
    assert result.exit_code == EXIT_STORE_LOST, result.output  # was 0
    summary = json.loads(result.stdout.splitlines()[-1])
    failed = summary["failed_writes"]
    assert failed > 0 and summary["deadletter"] == 0
    assert "database or disk is full" in summary["store_fault"] and "deadletter.jsonl" in summary["park_error"]
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == FULL_LINE
    assert any(f"{failed} mention(s) could not be stored, nor parked in the dead-letter file" in x
               and "nothing is lost" in x for x in lines), lines

    # Nothing was lost: the cursor held, so with room again the next run stores all of them, once.
    (tmp_path / "deadletter.jsonl.lock").rmdir()
    monkeypatch.undo()
    again = CliRunner().invoke(cli, ["ingest", "--no-progress", "-c", str(config)])
    assert again.exit_code == 0, again.output
    assert _stored(tmp_path) == 30


def test_a_full_disk_with_the_dead_letter_file_elsewhere_says_the_disk_last(tmp_path, monkeypatch):
    config = _setup(tmp_path)
    monkeypatch.setattr(cli_module, "open_store", lambda cfg: FullStore(cfg.store.path))
    result = CliRunner().invoke(cli, ["ingest", "--no-progress", "-c", str(config)])
    assert result.exit_code == EXIT_STORE_LOST, result.output  # was 5, "the next run retries them" last
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["deadletter"] == summary["failed_writes"] > 0 and summary["park_error"] is None
    assert result.stderr.strip().splitlines()[-1] == FULL_LINE


def test_run_says_the_full_disk_too(tmp_path, monkeypatch):
    config = _setup(tmp_path, posts=1, words=2000)  # one post too big for the room left: nothing is stored
    (tmp_path / "deadletter.jsonl.lock").mkdir()
    monkeypatch.setattr(cli_module, "open_store", lambda cfg: FullStore(cfg.store.path))
    from groundswell import pipeline  # lazy: the module whose store `run_once` opens

    monkeypatch.setattr(pipeline, "open_store", lambda cfg: FullStore(cfg.store.path))
    result = CliRunner().invoke(cli, ["run", "--no-progress", "--no-report", "--no-send", "-c", str(config)])
    assert result.exit_code == EXIT_STORE_LOST, result.output  # was 0
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["failed_writes"] > 0 and summary["deadletter"] == 0 and summary["run_id"]
    assert result.stderr.strip().splitlines()[-1] == FULL_LINE
