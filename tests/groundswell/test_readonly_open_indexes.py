"""The commands that promise to change nothing (`subject export`, `subject forget --dry-run`, `store copy --dry-run`)
refuse a store its next open would write an index into: one an older version left up to date but without an
index this version adds on every open (`mentions_author`), whose build runs under the write lock. A normal open
builds it, and says so in the log; the author lookup answers the same without it (a scan)."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from subject_corpus import ANN, HANDLE, OTHERS, build

from groundswell.cli import cli
from groundswell.config import load_config
from groundswell.subject_readonly import CREATED_ON_OPEN, upgrade_needed
from indexing.sqlite import SqliteStore


def _drop_author_index(db: Path) -> bytes:
    """The store as a version before the author index left it; its bytes (no -wal left)."""
    conn = sqlite3.connect(db)
    conn.execute("DROP INDEX mentions_author")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db.read_bytes()


def _files(db: Path) -> tuple[bytes, bytes]:
    """The store file's bytes and its -wal's (a read-only check's connection may leave an empty -wal and -shm)."""
    wal = db.with_name(db.name + "-wal")
    return db.read_bytes(), wal.read_bytes() if wal.exists() else b""


def test_a_store_without_the_author_index_is_refused_and_left_byte_identical(tmp_path):
    path = build(tmp_path)
    config = load_config(path)
    db = Path(config.store.path)
    assert upgrade_needed(config, "subject export") is None  # up to date: nothing refused
    _drop_author_index(db)
    before = _files(db)
    target = tmp_path / "copy.yaml"
    target.write_text(path.read_text(encoding="utf-8").replace(str(db), str(tmp_path / "other.db")), encoding="utf-8")
    runs = {
        "subject export": ["subject", "export", "--out", str(tmp_path / "out.json"), "-c", str(path),
                           "--author", f"x:{HANDLE}"],
        "subject forget --dry-run": ["subject", "forget", "--dry-run", "-c", str(path), "--author", f"x:{HANDLE}"],
        "store copy --dry-run": ["store", "copy", "-c", str(path), "--to", str(target), "--dry-run",
                                 "--no-progress"],
    }  # fmt: skip
    for name, args in runs.items():
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, (name, result.output)
        assert "groundswell maintain" in result.output and "mentions_author" in result.output, (name, result.output)
        assert _files(db) == before, name
    assert not (tmp_path / "out.json").exists() and not (tmp_path / "other.db").exists()


def test_a_normal_open_builds_the_index_and_says_so(tmp_path, caplog):
    db = tmp_path / "gs.db"
    store = SqliteStore(db)
    assert all(r.ok for r in store.upsert([*ANN, *OTHERS]))
    store.close()
    _drop_author_index(db)
    with caplog.at_level(logging.INFO, logger="indexing.sqlite"):
        store = SqliteStore(db)
    store.close()
    assert any("building the author index (once;" in r.getMessage() for r in caplog.records)
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert set(CREATED_ON_OPEN) <= names  # what the read-only check looks for is what an open leaves


def test_the_author_lookup_answers_the_same_without_its_index(tmp_path):
    store = SqliteStore(tmp_path / "gs.db")
    assert all(r.ok for r in store.upsert([*ANN, *OTHERS]))
    with_index = [m.id for m in store.mentions_by_author("x", [f"@{HANDLE.upper()}"])]
    store._conn().execute("DROP INDEX mentions_author")
    plan = " ".join(str(r[-1]) for r in store._conn().execute(
        "EXPLAIN QUERY PLAN SELECT id FROM mentions WHERE source = 'x' AND author_handle IN ('a')"))
    assert "mentions_author" not in plan
    assert [m.id for m in store.mentions_by_author("x", [f"@{HANDLE.upper()}"])] == with_index
    assert len(with_index) == 4  # Ann's two posts, her share of Carol's, Bob's share of hers
    store.close()
