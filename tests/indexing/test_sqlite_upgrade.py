"""The first open of an older SQLite store by this version (the FTS rebuild, once) with real processes around it:
killed hard mid-rebuild, it loses nothing and the next open rebuilds whole (the rebuild is one transaction); a
second process opening the store meanwhile waits for the rebuild instead of failing with "database is locked".

Both find the rebuild under way by its INFO line, which also says how many mentions and about how long."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.mention import Mention
from indexing import sqlite as sqlite_module
from indexing.base import Filters
from indexing.sqlite import FTS_VERSION, SqliteStore

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, tzinfo=UTC)
N = 40_000  # a rebuild of a second or more on a loaded machine: what the tests do lands inside it
OPEN = """
import logging, sys
sys.path.insert(0, {repo!r})
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
from indexing.sqlite import SqliteStore
SqliteStore({path!r})
print("opened", file=sys.stderr, flush=True)
"""
WORDS = "battery screen charger update support refund delivery camera speaker warranty".split()
MENTIONS = [
    Mention(source="x", native_id=str(i), text=f"Lumora {WORDS[i % 10]} {WORDS[i * 7 % 10]} {i} "
            + ("👎 $LMRA" if i % 4 == 0 else "fine"), created_at=T0 + timedelta(minutes=i), brand="Lumora")
    for i in range(N)
]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A store of N mentions as the previous version left it: FTS format 5, its index emptied (the rebuild
    refills it whole, so what the old index held does not matter)."""
    path = tmp_path_factory.mktemp("upgrade") / "old.db"
    store = SqliteStore(path)
    assert all(r.ok for r in store.upsert(MENTIONS, chunk_size=5000))
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM mentions_fts")
        conn.execute("PRAGMA user_version = 5")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def old_store(built: Path, tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    shutil.copyfile(built, path)
    return path


@contextmanager
def upgrading(path: Path) -> Iterator[subprocess.Popen]:
    """Another process opening the store, yielded once it says the rebuild started (still running then)."""
    proc = subprocess.Popen([sys.executable, "-c", OPEN.format(repo=str(REPO), path=str(path))],
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline, line = time.monotonic() + 120, ""
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line or line.startswith("rebuilding the search index"):
                break
        # The line says what runs, on how many, and for about how long, before the long step.
        assert line.startswith(f"rebuilding the search index of {N} mentions (store format 5 -> {FTS_VERSION}"), line
        assert f"about {N // sqlite_module.FTS_REBUILD_PER_S} s" in line
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        proc.stderr.close()


def _whole(store: SqliteStore) -> None:
    conn = store._conn()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == FTS_VERSION
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.execute("INSERT INTO mentions_fts(mentions_fts) VALUES ('integrity-check')")  # raises when damaged
    assert conn.execute("SELECT count(*) FROM mentions_fts").fetchone()[0] == N
    assert store.count(Filters(text="👎")) == N // 4 and store.count(Filters(text="$LMRA")) == N // 4
    assert store.count(Filters(text="battery")) == sum("battery" in m.text.split() for m in MENTIONS)


def test_a_first_open_killed_mid_rebuild_loses_nothing_and_the_next_open_finishes_it(old_store: Path) -> None:
    with upgrading(old_store) as proc:
        time.sleep(0.3)
        assert proc.poll() is None, "the rebuild ended before the kill: nothing interrupted"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    with sqlite3.connect(old_store) as conn:  # still the previous format, whole: the transaction never committed
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
        assert conn.execute("SELECT count(*) FROM mentions").fetchone()[0] == N
    reopened = SqliteStore(old_store)
    try:
        _whole(reopened)
    finally:
        reopened.close()


def test_an_open_during_another_process_upgrade_waits_for_it(old_store: Path, monkeypatch, caplog) -> None:
    # The write-lock wait cut from 30 s to 0.2 s: the test's rebuild of seconds stands for one of minutes
    # (1M mentions: 62 s in bench/results/store_upgrade.json), past which the open used to fail.
    monkeypatch.setattr(sqlite_module, "BUSY_TIMEOUT_S", 0.2)
    with upgrading(old_store) as proc:
        with caplog.at_level(logging.INFO, logger="indexing.sqlite"):
            store = SqliteStore(old_store)  # before the wait: StoreUnavailable "database is locked"
        assert proc.wait(timeout=120) == 0
    try:
        assert "waiting for another process that is writing to this store" in caplog.text
        assert "rebuilding the search index" not in caplog.text  # the other process did it; this one only waited
        _whole(store)
    finally:
        store.close()
