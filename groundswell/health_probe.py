"""Cheap checks of what a run and the dashboard need: the store answers a read, its size and write lock, the
sentiment model can run here. None loads anything heavy: the dashboard's `/healthz` and `groundswell health`
call them on every probe.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from groundswell.health import one_line
from groundswell.store_lost import reason_of
from indexing.base import Filters, Store
from nlp.config import NlpConfig
from nlp.e5_sentiment import E5_MODEL_DIR
from nlp.install_check import install_problem
from nlp.model_files import MINILM_MODEL_DIR
from nlp.model_source import SHIPPED, looks_like_path

PROBE_KEY = "install:id"  # a state key every delivering install has; reading a missing one is as good a probe


def probe_store(store: Store) -> None:
    """Read the state table and count up to one mention: raises whatever the store raises when it cannot be read
    (a damaged SQLite file, a locked or missing one, an unreachable or red Elasticsearch cluster)."""
    path = getattr(store, "path", None)
    if getattr(store, "name", "") == "sqlite" and isinstance(path, str) and path != ":memory:":
        _probe_sqlite_file(path)
    store.get_state(PROBE_KEY)
    capped = getattr(store, "count_capped", None)  # SQLite: stops after one row, whatever the store's size
    if capped is not None:
        capped(Filters(), 1)
    else:  # Elasticsearch: the count API, answered from the shards without reading documents
        store.count(Filters())


def _probe_sqlite_file(path: str) -> None:
    """Read the file itself through a fresh read-only connection: the store's own connection answers from its page
    cache while the WAL index says nothing changed, so a file overwritten under a running dashboard still read fine
    through it (SRE review s65). Read-only: a probe never creates or changes a store."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=1.0)
    try:
        conn.execute("SELECT 1 FROM mentions LIMIT 1").fetchall()
        conn.execute("SELECT 1 FROM state LIMIT 1").fetchall()
    finally:
        conn.close()


def store_problem(store: Store) -> str | None:
    """`probe_store`'s failure as one line (redacted, no traceback); None when the store answered."""
    try:
        probe_store(store)
    except Exception as exc:  # noqa: BLE001 - any failure to read is the answer
        return one_line(reason_of(exc))
    return None


@dataclass
class StoreFacts:
    size_bytes: int | None = None  # SQLite: the file and its WAL; None elsewhere
    busy: bool | None = None  # SQLite: another process holds the write lock now; None elsewhere


def sqlite_facts(path: str) -> StoreFacts:
    """Size of a SQLite store (file + WAL) and whether another process holds its write lock right now. The lock
    is tried with no wait and let go at once (`BEGIN IMMEDIATE; ROLLBACK`): nothing is written."""
    files = [Path(path), Path(f"{path}-wal")]
    size = sum(f.stat().st_size for f in files if f.exists())
    try:
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    except sqlite3.Error:
        return StoreFacts(size_bytes=size)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        busy = False
    except sqlite3.OperationalError as exc:
        busy = "locked" in str(exc) or "busy" in str(exc)
    except sqlite3.Error:
        busy = None
    finally:
        conn.close()
    return StoreFacts(size_bytes=size, busy=busy)


def model_problem(nlp: NlpConfig) -> tuple[str, str | None]:
    """(what the model is, why the enrich step cannot run it here or None), without loading it: the one rule
    `config check` uses too (`nlp.install_check.install_problem`: the model found, its backend, the files and
    packages it loads, its cache writable)."""
    name = nlp.sentiment_model
    if name in SHIPPED:
        what = f"shipped model {name!r} ({E5_MODEL_DIR if name == 'default' else MINILM_MODEL_DIR})"
    else:
        path = Path(name).expanduser()
        what = f"model path {path}" if path.exists() or looks_like_path(name) else f"Hugging Face model {name!r}"
    return what, install_problem(nlp)
