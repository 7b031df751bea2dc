"""Which brands each mention of the SQLite store belongs to: the `mention_brands` table.

A mention belongs to every brand it names (`Mention.brands`), so brand is not a column of
`mentions` but one row per (brand, mention) here. Brand filters select mention rowids through it
(`brand_clause`); the brand facet joins it, so a mention counts once for each of its brands (share
of voice). `created_at` is copied in so a per-brand time range reads one index range.

Stores written before multi-brand mentions kept one brand in `mentions.brand`;
`migrate_brand_column` moves it here once, when the store opens.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS mention_brands (
    brand TEXT NOT NULL,
    mention_rowid INTEGER NOT NULL REFERENCES mentions(rowid) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (brand, mention_rowid)
);
CREATE INDEX IF NOT EXISTS mention_brands_time ON mention_brands(brand, created_at, mention_rowid);
CREATE INDEX IF NOT EXISTS mention_brands_mention ON mention_brands(mention_rowid);
-- Rows still carrying the single brand of the old layout (none once migrated): finds them without a scan.
CREATE INDEX IF NOT EXISTS mentions_legacy_brand ON mentions(brand) WHERE brand IS NOT NULL;
"""

# Indexes of the old layout that led with mentions.brand; empty after the migration, so dropped.
LEGACY_INDEXES = ("mentions_brand_time", "mentions_brand_eng", "mentions_brand_time_cover")


def migrate_brand_column(conn: sqlite3.Connection) -> int:
    """Move the old `mentions.brand` column into `mention_brands`; return how many mentions moved.

    Idempotent and safe against a second process doing the same: rows are moved and their column
    cleared in one transaction, and a store with nothing left to move costs one index probe.
    """
    if conn.execute("SELECT 1 FROM mentions WHERE brand IS NOT NULL LIMIT 1").fetchone() is None:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "INSERT OR IGNORE INTO mention_brands (brand, mention_rowid, created_at) "
            "SELECT brand, rowid, created_at FROM mentions WHERE brand IS NOT NULL"
        )
        moved = conn.execute("UPDATE mentions SET brand = NULL WHERE brand IS NOT NULL").rowcount
        for name in LEGACY_INDEXES:
            conn.execute(f"DROP INDEX IF EXISTS {name}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return moved


def write_brands(conn: sqlite3.Connection, rowid: int, brands: Sequence[str], created_at: int) -> None:
    """Set the brands of one mention (inside the caller's write transaction)."""
    conn.execute("DELETE FROM mention_brands WHERE mention_rowid = ?", (rowid,))
    conn.executemany(
        "INSERT OR IGNORE INTO mention_brands (brand, mention_rowid, created_at) VALUES (?, ?, ?)",
        [(brand, rowid, created_at) for brand in brands],
    )


def brand_clause(brands: Sequence[str], since: int | None, until: int | None) -> tuple[str, list[Any]]:
    """SQL condition on `m` (the mentions row): it belongs to one of `brands`. The time bounds narrow
    the index range read here; the caller applies them to `m` as well."""
    sql = f"SELECT mention_rowid FROM mention_brands WHERE brand IN ({','.join('?' * len(brands))})"
    params: list[Any] = list(brands)
    if since is not None:
        sql += " AND created_at >= ?"
        params.append(since)
    if until is not None:
        sql += " AND created_at < ?"
        params.append(until)
    return f"m.rowid IN ({sql})", params


# The brand facet: each mention once per brand (NULL, i.e. "unknown", for a mention of none).
FACET_FROM = "mentions m LEFT JOIN mention_brands b ON b.mention_rowid = m.rowid"
