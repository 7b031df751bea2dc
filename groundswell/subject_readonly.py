"""Whether `groundswell subject export` and `forget --dry-run` can read the store without changing it.

Opening a store brings it up to date (README "Upgrading": SQLite's FTS rebuild, 13 s to minutes on a large store),
and both commands promise to change nothing. So before opening, the store's recorded format is read without
writing: a SQLite file opened read-only, its `PRAGMA user_version` compared with this version's
(`indexing.sqlite.FTS_VERSION`, the last step) and its `store_meta` reader format (`indexing.reader_format`)
with the one this version records. Behind either, the command refuses with one line that says to upgrade first.
Elasticsearch is not checked here: its upgrade steps are resumable fills of new fields, not a rewrite of the
store (README "Upgrading").
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from groundswell.config import Config
from indexing import reader_format
from indexing.config import ElasticsearchStoreConfig
from indexing.sqlite import FTS_VERSION


def upgrade_needed(config: Config, command: str) -> str | None:
    """The one line refusing `command` when opening the config's store would write to it (module docstring), or
    None when it can be read as it is (or is not a SQLite store)."""
    if isinstance(config.store, ElasticsearchStoreConfig):
        return None
    path = Path(config.store.path)
    if not path.is_file():
        return f"{command}: no store at {path}: nothing to read (and opening it would create one)"
    version, recorded = _recorded(path)
    if version is None:
        return None  # not readable read-only: the normal open says why, in one line
    behind = version < FTS_VERSION or recorded is None or recorded < reader_format.READER_FORMAT
    if not behind:
        return None
    return (f"{command} changes nothing, and the store {path} is in an older format (version {version}) that "
            "opening it would upgrade: run `groundswell maintain -c CONFIG` first (README \"Upgrading\"), then "
            "run this again")


def _recorded(path: Path) -> tuple[int | None, int | None]:
    """(PRAGMA user_version, the recorded reader format or None) read without writing; (None, None) when the
    file cannot be opened read-only."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None, None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        try:
            row = conn.execute("SELECT value FROM store_meta WHERE name = 'reader_format'").fetchone()
        except sqlite3.OperationalError:  # no store_meta table: written before reader formats
            row = None
        return int(version), reader_format.parse(row[0] if row else None)
    except sqlite3.Error:
        return None, None
    finally:
        conn.close()
