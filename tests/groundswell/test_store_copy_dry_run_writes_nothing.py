"""`groundswell store copy --dry-run` writes nothing: it created a missing SQLite target (a file with empty tables)
and would upgrade a store in an older format, though its help says "write nothing" (docs/elasticsearch.md)."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner
from store_copy_corpus import STATE, rich_mentions

from groundswell.cli import cli
from indexing.sqlite import SqliteStore

CONFIG = """\
brands:
  - name: Lumora
    query: lumora
sources: []
store:
  type: sqlite
  path: {path}
"""


def _config(tmp_path, name: str, db: str) -> str:
    path = tmp_path / name
    path.write_text(CONFIG.format(path=db), encoding="utf-8")
    return str(path)


def _source(tmp_path) -> None:
    store = SqliteStore(tmp_path / "old.db")
    assert all(r.ok for r in store.upsert(rich_mentions(12)))
    for key, value in STATE.items():
        store.set_state(key, value)
    store.close()


def _dry_run(old: str, new: str):
    return CliRunner().invoke(cli, ["store", "copy", "-c", old, "--to", new, "--dry-run", "--no-progress"])


def test_a_dry_run_into_a_missing_target_counts_it_as_empty_and_creates_nothing(tmp_path):
    _source(tmp_path)
    old, new = _config(tmp_path, "old.yaml", "old.db"), _config(tmp_path, "new.yaml", "new.db")
    result = _dry_run(old, new)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("new.db")) == []  # no file, no -wal
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["dry_run"] and report["target_mentions_before"] == 0
    assert report["copied"] == report["source_mentions"] == 12
    assert report["state_copied"] == len(STATE)  # every entry would be new there
    real = CliRunner().invoke(cli, ["store", "copy", "-c", old, "--to", new, "--no-progress"])
    assert real.exit_code == 0, real.output
    done = json.loads(real.stdout.strip().splitlines()[-1])
    assert (done["copied"], done["state_copied"]) == (report["copied"], report["state_copied"])  # as announced


def test_a_dry_run_refuses_a_store_opening_would_upgrade(tmp_path):
    _source(tmp_path)
    SqliteStore(tmp_path / "new.db").close()
    with sqlite3.connect(tmp_path / "new.db") as conn:
        conn.execute("PRAGMA user_version = 5")  # an older format: the next open would rebuild its search index
    conn.close()
    before = (tmp_path / "new.db").read_bytes()
    old, new = _config(tmp_path, "old.yaml", "old.db"), _config(tmp_path, "new.yaml", "new.db")
    result = _dry_run(old, new)
    assert result.exit_code == 1 and "groundswell maintain" in result.stderr, result.output
    assert "store copy --dry-run" in result.stderr
    assert (tmp_path / "new.db").read_bytes() == before


def test_a_dry_run_from_a_missing_source_creates_no_source(tmp_path):
    old, new = _config(tmp_path, "old.yaml", "old.db"), _config(tmp_path, "new.yaml", "new.db")
    result = _dry_run(old, new)
    assert result.exit_code == 1 and "no store at" in result.stderr, result.output
    assert not (tmp_path / "old.db").exists() and not (tmp_path / "new.db").exists()
