"""Whether `groundswell subject export` and `forget --dry-run` can read the store without changing it.

Opening a store brings it up to date (README "Upgrading": SQLite's FTS rebuild, 13 s to minutes on a large store),
and both commands promise to change nothing. So before opening, the store's recorded format is read without
writing: a SQLite file opened read-only, its `PRAGMA user_version` compared with this version's
(`indexing.sqlite.FTS_VERSION`, the last step) and its `store_meta` reader format (`indexing.reader_format`)
with the one this version records. Behind either, the command refuses with one line that says to upgrade first.
So it does when the store lacks a table, index or trigger every open creates when missing (`OPEN_SCRIPTS`: an index
added without a version bump, like `mentions_author`, is built by the next open: an index build over the mentions
table under the write lock) - a store an older version left up to date.
Elasticsearch is not checked here: its upgrade steps are resumable fills of new fields, not a rewrite of the
store (README "Upgrading").
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from groundswell.config import Config
from indexing import reader_format
from indexing.config import ElasticsearchStoreConfig
from indexing.sqlite import FTS_VERSION, OPEN_SCRIPTS

# The objects each open creates when missing (CREATE TABLE|VIRTUAL TABLE|INDEX|TRIGGER IF NOT EXISTS <name>).
CREATED_ON_OPEN = tuple(dict.fromkeys(
    name for script in OPEN_SCRIPTS
    for name in re.findall(r"CREATE\s+(?:VIRTUAL\s+)?(?:TABLE|INDEX|TRIGGER)\s+IF\s+NOT\s+EXISTS\s+(\w+)", script, re.I)
))


def upgrade_needed(config: Config, command: str) -> str | None:
    """The one line refusing `command` when opening the config's store would write to it (module docstring), or
    None when it can be read as it is (or is not a SQLite store)."""
    if isinstance(config.store, ElasticsearchStoreConfig):
        return None
    path = Path(config.store.path)
    if not path.is_file():
        return f"{command}: no store at {path}: nothing to read (and opening it would create one)"
    version, recorded, missing = _recorded(path)
    if version is None:
        return None  # not readable read-only: the normal open says why, in one line
    behind = version < FTS_VERSION or recorded is None or recorded < reader_format.READER_FORMAT
    if not behind and not missing:
        return None
    older = f"version {version}" if behind else f"version {version}, without {', '.join(missing)}"
    return (f"{command} changes nothing, and the store {path} is in an older format ({older}) that opening it "
            "would upgrade: run `groundswell maintain -c CONFIG` first (README \"Upgrading\"), then run this again")


def _recorded(path: Path) -> tuple[int | None, int | None, list[str]]:
    """(PRAGMA user_version, the recorded reader format or None, the `CREATED_ON_OPEN` objects it lacks) read
    without writing; (None, None, []) when the file cannot be opened read-only."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None, None, []
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        try:
            row = conn.execute("SELECT value FROM store_meta WHERE name = 'reader_format'").fetchone()
        except sqlite3.OperationalError:  # no store_meta table: written before reader formats
            row = None
        present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        missing = [name for name in CREATED_ON_OPEN if name not in present]
        return int(version), reader_format.parse(row[0] if row else None), missing
    except sqlite3.Error:
        return None, None, []
    finally:
        conn.close()
