"""Which brands each mention of the SQLite store belongs to: the `mention_brands` table.

A mention belongs to every brand it names (`Mention.brands`), so brand is not a column of
`mentions` but one row per (brand, mention) here. Brand filters select mention rowids through it
(`brand_clause`); the brand facet joins it, so a mention counts once for each of its brands (share
of voice). `created_at` is copied in so a per-brand time range reads one index range.

Stores written before multi-brand mentions kept one brand in `mentions.brand`;
`migrate_brand_column` moves it here once, when the store opens.
"""

from __future__ import annotations

import heapq
import logging
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

# The columns per-brand aggregations read, copied from `mentions` (same names), so that a brand's
# histogram, facets, totals and top authors read one covering index range and never the mentions table.
COVERED = ("created_at", "sentiment", "lang", "source", "engagement", "author_followers", "author_handle")

SCHEMA = """
CREATE TABLE IF NOT EXISTS mention_brands (
    brand TEXT NOT NULL,
    mention_rowid INTEGER NOT NULL REFERENCES mentions(rowid) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    sentiment TEXT,
    lang TEXT,
    source TEXT NOT NULL,
    engagement INTEGER NOT NULL DEFAULT 0,
    author_followers INTEGER NOT NULL DEFAULT 0,
    author_handle TEXT,
    PRIMARY KEY (brand, mention_rowid)
);
-- Covering, in time order per brand: filters, time-ordered pages and per-brand aggregations read it alone.
CREATE INDEX IF NOT EXISTS mention_brands_time ON mention_brands(
    brand, created_at, mention_rowid, sentiment, lang, source, engagement, author_followers, author_handle);
CREATE INDEX IF NOT EXISTS mention_brands_mention ON mention_brands(mention_rowid);
-- Rows still carrying the single brand of the old layout (none once migrated): finds them without a scan.
CREATE INDEX IF NOT EXISTS mentions_legacy_brand ON mentions(brand) WHERE brand IS NOT NULL;
"""

# Indexes of the old layout that led with mentions.brand; empty after the migration, so dropped.
# Rows per second of `migrate_brand_column`, for its log line's estimate: 202,600 mentions of a 27 Nov store in
# 7.3 s on 2 shared cores (bench/store_upgrade.py --old-format as-is, bench/results/store_upgrade.json).
BRAND_MOVE_PER_S = 28000
log = logging.getLogger(__name__)

LEGACY_INDEXES = ("mentions_brand_time", "mentions_brand_eng", "mentions_brand_time_cover")


def migrate_brand_column(conn: sqlite3.Connection) -> int:
    """Move the old `mentions.brand` column into `mention_brands`; return how many mentions moved.

    Idempotent and safe against a second process doing the same: rows are moved and their column
    cleared in one transaction, and a store with nothing left to move costs one index probe.
    """
    marks = ",".join("?" * len(LEGACY_INDEXES))
    # Each statement read to its end: one left running holds a lock that DROP INDEX below trips over.
    stale = conn.execute(
        f"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ({marks})", LEGACY_INDEXES
    ).fetchall()[0][0]
    legacy = conn.execute("SELECT 1 FROM mentions WHERE brand IS NOT NULL LIMIT 1").fetchall()
    if not stale and not legacy:
        return 0  # nothing of the old layout left: one index probe per open
    conn.execute("BEGIN IMMEDIATE")
    try:
        # A long silent first open looks like a hang: say what runs, on how many rows, about how long.
        started, rows = time.monotonic(), conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
        log.info("moving the brand of %d mentions into the brand table (multi-brand mentions, once): about %d s",
                 rows, rows // BRAND_MOVE_PER_S)
        conn.execute(
            f"INSERT OR IGNORE INTO mention_brands (brand, mention_rowid, {', '.join(COVERED)}) "
            f"SELECT brand, rowid, {', '.join(COVERED)} FROM mentions WHERE brand IS NOT NULL"
        )
        moved = conn.execute("UPDATE mentions SET brand = NULL WHERE brand IS NOT NULL").rowcount
        for name in LEGACY_INDEXES:
            conn.execute(f"DROP INDEX IF EXISTS {name}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    log.info("brand of %d mentions moved in %.1f s", moved, time.monotonic() - started)
    return moved


def write_brands(conn: sqlite3.Connection, rowid: int, brands: Sequence[str]) -> None:
    """Set the brands of one mention, with its covered columns as just written to `mentions`
    (inside the caller's write transaction, after the mention's row)."""
    conn.execute("DELETE FROM mention_brands WHERE mention_rowid = ?", (rowid,))
    names = ", ".join(COVERED)
    conn.executemany(
        f"INSERT OR IGNORE INTO mention_brands (brand, mention_rowid, {names}) "
        f"SELECT ?, rowid, {names} FROM mentions WHERE rowid = ?",
        [(brand, rowid) for brand in brands],
    )


def brand_clause(brands: Sequence[str], since: float | None, until: float | None) -> tuple[str, list[Any]]:
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
FACET_JOIN = " LEFT JOIN mention_brands b ON b.mention_rowid = m.rowid"

# A filter on one brand (the common case: a dashboard page, a brand's alerts) reads through that
# brand's (brand, created_at) index range, joined to the mentions it names: nothing is collected first,
# a LIMIT stops early, and time order is the index's own. (brand, mention_rowid) is unique: no duplicates.
JOINED_FROM = "mention_brands fb JOIN mentions m ON m.rowid = fb.mention_rowid"


def joined_clause(brand: str | Sequence[str], since: float | None, until: float | None) -> tuple[str, list[Any]]:
    """The condition on `fb` (see JOINED_FROM) for one brand (or any of several: a mention is then joined once per
    brand of them it has) and time range (epoch seconds, to the millisecond)."""
    if isinstance(brand, str):
        sql, params = "fb.brand = ?", [brand]
    else:
        sql, params = f"fb.brand IN ({','.join('?' * len(brand))})", list(brand)
    if since is not None:
        sql, params = sql + " AND fb.created_at >= ?", [*params, since]
    if until is not None:
        sql, params = sql + " AND fb.created_at < ?", [*params, until]
    return sql, params


def covered(brand: str | None, text: str | None, theme: str | None, uncertain: bool | None) -> bool:
    """Whether a filter can be answered from one brand's rows here alone: one brand, and no condition on
    the text, themes or the stored document (the caller also reads covered columns only)."""
    return brand is not None and not text and theme is None and uncertain is None


def single_brand(brand: str | None, brands: Sequence[str] | None) -> str | None:
    """The one brand a filter asks for, or None when it asks for none or several (or contradicts itself)."""
    if brands is None:
        return brand
    if brand is None and len(set(brands)) == 1:
        return brands[0]
    return None


def key_brands(brand: str | None, brands: Sequence[str] | None) -> tuple[list[str], str | None] | None:
    """For a filter on several brands (`single_brand` None, some brand named): the brands whose index ranges list
    its posts (`brand_keys`), and the brand each must also belong to (`brand` given with `brands`: both hold), or
    None. A post of none of them is never listed; one of two of them is listed once."""
    if single_brand(brand, brands) is not None or not (brand or brands):
        return None
    if brands:
        return list(dict.fromkeys(brands)), brand
    return [brand] if brand is not None else [], None


def also_brand_clause(brand: str) -> tuple[str, list[Any]]:
    """SQL condition on `m`: it belongs to `brand` as well; one primary-key probe per row, never a brand's range."""
    return "EXISTS (SELECT 1 FROM mention_brands ab WHERE ab.brand = ? AND ab.mention_rowid = m.rowid)", [brand]


def member_clause(brands: Sequence[str]) -> tuple[str, list[Any]]:
    """SQL condition on `m`: it belongs to one of `brands`; a primary-key probe per brand and row, for rows found
    another way (the flagged ones), never the brands' whole list of rows."""
    marks = ",".join("?" * len(brands))
    return f"EXISTS (SELECT 1 FROM mention_brands mb WHERE mb.brand IN ({marks}) AND mb.mention_rowid = m.rowid)", [
        *brands]


# One brand's next keys in time order from its (brand, created_at, mention_rowid) index: one range, read from the
# position on, no sort (the keyset is the index's own order, either way), at most LIMIT entries whatever the period.
BRAND_KEYS_SQL = ("SELECT created_at, mention_rowid FROM mention_brands WHERE brand = ? "
                  "AND (created_at, mention_rowid) {op} (?, ?){bounds} "
                  "ORDER BY created_at {order}, mention_rowid {order} LIMIT ?")


def brand_keys(conn: sqlite3.Connection, brands: Sequence[str], after: tuple[Any, Any], until: float | None,
               n: int, *, since: float | None = None, desc: bool = False, where: str = "",
               args: Sequence[Any] = ()) -> list[tuple[Any, Any]]:
    """The next `n` (created_at, mention_rowid) keys after `after` (before it when `desc`; within [since, until)) of
    posts of any of `brands`, in that order, each once: a merge of each brand's own ordered range (`BRAND_KEYS_SQL`),
    so a chunk costs the same early or late in a long period. Once `n` keys are merged none is missing before the
    last: each brand's list holds `n` keys, or all of that brand's. `where` (with `args`): a further condition on the
    brand row's own columns (`brand_row_clause`), read from the same index entries."""
    bounds, extra = "", []
    for clause, value in ((" AND created_at >= ?", since), (" AND created_at < ?", until)):
        if value is not None:
            bounds, extra = bounds + clause, [*extra, value]
    if where:
        bounds, extra = f"{bounds} AND {where}", [*extra, *args]
    op, order = ("<", "DESC") if desc else (">", "ASC")
    sql = BRAND_KEYS_SQL.format(op=op, order=order, bounds=bounds)
    lists = [conn.execute(sql, [b, *after, *extra, n]).fetchall() for b in brands]
    keys: list[tuple[Any, Any]] = []
    for key in heapq.merge(*lists, reverse=desc):
        if keys and keys[-1] == key:  # a post of two brands: one row per brand, the same key
            continue
        keys.append(key)
        if len(keys) == n:
            break
    return keys


def brand_row_clause(source: str | None, sentiment: str | None, lang: tuple[str | None] | None,
                     min_followers: int | None, spam: bool) -> tuple[str, list[Any]]:
    """A condition on a `mention_brands` row (unaliased) for the filters its `COVERED` copies answer, so a
    several-brand page (`brand_keys`) skips the rows they reject inside the index read: `lang` is the one stored
    spelling wanted as a 1-tuple ((None,): posts without one), `spam` False leaves spam out. "" when none applies.
    The caller still checks every filter on the mention's own row: this only narrows what is read."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("source", source), ("sentiment", sentiment)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if lang is not None:
        clauses.append("lang IS NULL" if lang[0] is None else "lang = ?")
        params.extend([] if lang[0] is None else [lang[0]])
    if min_followers is not None:
        clauses.append("author_followers >= ?")
        params.append(min_followers)
    if not spam:
        clauses.append("mention_rowid NOT IN (SELECT mention_rowid FROM mention_spam)")
    return " AND ".join(clauses), params
