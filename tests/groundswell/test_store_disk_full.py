"""A SQLite store that cannot be written mid-run (the disk full, the file read-only): `groundswell run` ends as
for a lost store, with the summary so far (`store_error`, `failed_step`), one line saying what to do and exit 6,
not a traceback; the next run, with room again, finishes the step. `enrich` alone says it in one line, code 1.

The fault is SQLite's own: the real store's connections are capped at the pages the file holds
(`PRAGMA max_page_count`, which SQLite reports as "database or disk is full", SQLITE_FULL, as on a full disk), and
`PRAGMA query_only` for the read-only case (SQLITE_READONLY). The pragmas are set per connection, so the test opens
the store through a subclass that sets them: a tiny filesystem cannot be mounted in a test."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from groundswell import cli as cli_module
from groundswell import pipeline
from groundswell.cli import cli
from groundswell.store_lost import EXIT_STORE_LOST, disk_fault, is_unreachable, reason_of
from indexing.base import Filters
from indexing.sqlite import SqliteStore


class FullStore(SqliteStore):
    """The real store on a disk with no room left: no page beyond those the file holds now."""

    def _connect(self):
        conn = super()._connect()
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn


class ReadOnlyStore(SqliteStore):
    def _connect(self):
        conn = super()._connect()
        conn.execute("PRAGMA query_only = ON")
        return conn


def collected(tmp_path: Path) -> Path:
    """A config whose 40 posts are collected (`ingest`) but not enriched yet, the store vacuumed (no free pages)."""
    rows = [{"native_id": str(i), "text": f"Lumora battery {i} " + "words " * 40,
             "created_at": f"2026-11-01T10:{i:02d}:00Z"} for i in range(40)]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = tmp_path / "g.yaml"
    config.write_text(json.dumps({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "g.db")},
        "report": {"path": str(tmp_path / "report.html")},
    }))
    result = CliRunner().invoke(cli, ["ingest", "-c", str(config), "--no-progress"])
    assert result.exit_code == 0, result.output
    store = SqliteStore(tmp_path / "g.db")
    store.vacuum()
    store.close()
    return config


def test_a_full_disk_during_enrich_ends_run_with_the_summary_and_one_line(tmp_path, monkeypatch):
    config = collected(tmp_path)
    monkeypatch.setattr(pipeline, "open_store", lambda cfg: FullStore(cfg.store.path))
    result = CliRunner().invoke(cli, ["run", "-c", str(config), "--no-progress", "--no-report"])
    assert result.exit_code == EXIT_STORE_LOST, result.output
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["failed_step"] == "enrich" and "database or disk is full" in summary["store_error"]
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("Error:")]
    assert "the store (sqlite) failed during enrich" in line and "free space, then run again" in line

    monkeypatch.undo()  # room again: the next run enriches all of them
    again = CliRunner().invoke(cli, ["run", "-c", str(config), "--no-progress", "--no-report"])
    assert again.exit_code == 0, again.output
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert store.count(Filters(include_spam=True)) == 40 and store.unenriched(100) == []
    finally:
        store.close()


def test_a_read_only_store_is_one_line_from_enrich(tmp_path, monkeypatch):
    config = collected(tmp_path)
    monkeypatch.setattr(cli_module, "open_store", lambda cfg: ReadOnlyStore(cfg.store.path))
    result = CliRunner().invoke(cli, ["enrich", "-c", str(config), "--no-progress"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: the store could not be written: OperationalError: attempt to write a readonly")
    assert "make it writable, then run again" in line


def test_sqlites_own_full_error_is_a_store_failure_not_a_bug(tmp_path):
    """The error a COMMIT raises on a full disk (the review's traceback), made by SQLite itself."""
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    conn.execute("CREATE TABLE t (x)")
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(sqlite3.OperationalError) as raised:
        conn.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
    conn.close()
    assert is_unreachable(raised.value) and "free space" in disk_fault(raised.value)
    assert "free space" in reason_of(raised.value) and disk_fault(sqlite3.OperationalError("no such table")) is None
    assert disk_fault(RuntimeError("could not store spam flags: x:1: topic: Extra inputs")) is None
