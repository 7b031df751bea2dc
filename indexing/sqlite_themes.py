"""The SQLite store's theme rows: one per (post, brand, label), so a brand counts only its own themes.

`mention_themes.brand` is the brand whose themes gave the post that label (`indexing.theme_rows`), or ''
for a label of no known brand (stored before `Mention.brand_themes`), which counts for every brand of the post
as it always did. A store made before the column gets it on open (`migrate_theme_brands`): its rows are kept
under '', and the next themes pass attributes them (groundswell/themes_step.py `_adopt`).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence

from indexing.theme_rows import UNATTRIBUTED

TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
    mention_rowid INTEGER NOT NULL REFERENCES mentions(rowid) ON DELETE CASCADE,
    brand TEXT NOT NULL DEFAULT '',
    theme TEXT NOT NULL,
    PRIMARY KEY (mention_rowid, brand, theme)
);
"""
SCHEMA = TABLE.format(name="mention_themes") + (
    "CREATE INDEX IF NOT EXISTS mention_themes_theme ON mention_themes(theme);\n"
)
log = logging.getLogger(__name__)


def migrate_theme_brands(conn: sqlite3.Connection) -> bool:
    """Give `mention_themes` its `brand` column (rows kept, as unattributed); True when it did. Idempotent."""
    if _has_brand(conn):
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _has_brand(conn):  # checked again under the write lock: another process may have just migrated
            conn.execute("COMMIT")
            return False
        # A long silent first open looks like a hang: say what runs (a copy of the table: 771,219 rows in 2 s,
        # bench/results/store_upgrade.json).
        started, rows = time.monotonic(), conn.execute("SELECT count(*) FROM mention_themes").fetchone()[0]
        log.info("adding the brand column to %d theme rows (per-brand themes, once)", rows)
        conn.execute(TABLE.format(name="mention_themes_v2"))
        conn.execute("INSERT INTO mention_themes_v2 (mention_rowid, brand, theme) "
                     "SELECT mention_rowid, ?, theme FROM mention_themes", (UNATTRIBUTED,))
        conn.execute("DROP TABLE mention_themes")
        conn.execute("ALTER TABLE mention_themes_v2 RENAME TO mention_themes")
        conn.execute("CREATE INDEX IF NOT EXISTS mention_themes_theme ON mention_themes(theme)")
        conn.execute("COMMIT")
        log.info("theme rows given their brand column in %.0f s", time.monotonic() - started)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return True


def _has_brand(conn: sqlite3.Connection) -> bool:
    return any(row[1] == "brand" for row in conn.execute("PRAGMA table_info(mention_themes)"))


def theme_clause(rowid: str, brands: Sequence[str] | None) -> tuple[str, list[str]]:
    """SQL (and its parameters) for "the post's themes include the label bound next": the named brands' own labels
    and unattributed ones when `brands` names some (`theme_rows.selected_brands`), any brand's otherwise."""
    if brands is None:
        return f"{rowid} IN (SELECT mention_rowid FROM mention_themes WHERE theme = ?)", []
    owners = [*brands, UNATTRIBUTED]
    return (f"{rowid} IN (SELECT mention_rowid FROM mention_themes WHERE theme = ? AND brand IN "
            f"({', '.join('?' * len(owners))}))", owners)


def rows_join(brands: Sequence[str] | None) -> tuple[str, list[str]]:
    """The JOIN of a post to its theme rows for a count: one brand's and unattributed rows; for several, their
    own and unattributed rows, each (post, label) once (a post two of them labelled alike counts once); for all
    brands (None), any brand's rows, each (post, label) once."""
    if brands is None:
        return "JOIN (SELECT DISTINCT mention_rowid, theme FROM mention_themes) t ON t.mention_rowid = m.rowid", []
    owners = [*brands, UNATTRIBUTED]
    marks = ", ".join("?" * len(owners))
    if len(brands) == 1:  # a post holds a label under its brand or unattributed, never both: no DISTINCT
        return f"JOIN mention_themes t ON t.mention_rowid = m.rowid AND t.brand IN ({marks})", owners
    return (f"JOIN (SELECT DISTINCT mention_rowid, theme FROM mention_themes WHERE brand IN ({marks})) t "
            "ON t.mention_rowid = m.rowid", owners)
