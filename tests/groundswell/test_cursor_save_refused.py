"""The store refusing a cursor after its batch is stored is a store failure, not the source's: the source is not
reported failed, `cursor_errors` names the store's error, `ingest` exits 5 (not 4), and the next run fetches the
batch again without storing anything twice (stable ids).

The real SQLite store refuses the cursor's state write through a trigger (`store_faults.refuse_state_writes`), as
a full or read-only database would."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner
from store_faults import refuse_state_writes

from groundswell import pipeline
from groundswell.cli import EXIT_UNSTORED, cli
from indexing.sqlite import SqliteStore
from tests.groundswell.six_posts import six_post_import


def _setup(tmp_path):
    config = six_post_import(tmp_path)
    SqliteStore(tmp_path / "g.db").close()
    refuse_state_writes(tmp_path / "g.db", "cursor:%", "disk I/O error")
    return config


def _allow_state_writes(db) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute("DROP TRIGGER refuse")
        conn.commit()
    finally:
        conn.close()


def test_a_refused_cursor_is_a_store_failure_and_the_next_run_refetches(tmp_path):
    config = _setup(tmp_path)
    store = SqliteStore(tmp_path / "g.db")
    report = pipeline.collect(config, store)
    assert report.errors == {}
    assert list(report.cursor_errors) == ["import/Lumora"] and "disk I/O error" in report.cursor_errors["import/Lumora"]
    assert (report.stored, report.deadletter) == (2, 0)  # stopped after the first batch, which is stored
    store.close()

    _allow_state_writes(tmp_path / "g.db")
    store = SqliteStore(tmp_path / "g.db")
    again = pipeline.collect(config, store)
    assert again.cursor_errors == {} and again.errors == {}
    assert (again.stored, again.created) == (6, 4)  # the cursor had stayed before batch 1: fetched again, not new
    assert sorted(m.id for m in store.iter_mentions()) == [f"import:{i}" for i in range(1, 7)]
    store.close()


def test_ingest_points_at_the_store_and_exits_5_not_4(tmp_path):
    _setup(tmp_path)
    result = CliRunner().invoke(cli, ["ingest", "-c", str(tmp_path / "g.yaml"), "--no-progress"])
    assert result.exit_code == EXIT_UNSTORED, result.output
    assert "every source failed" not in result.stderr
    assert "the store refused to save the cursor of 1 source pass(es)" in result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["errors"] == {} and list(summary["cursor_errors"]) == ["import/Lumora"]
