"""Migration step "language tags" of the SQLite store: tags an older version stored as the source wrote them
(`ko-KR`, `KO`, `zh-Hant`) rewritten as their base code (`ko`, `zh`; core/lang_tags.py), once per store, on open.

Without it the `lang=` filter (which compares the normalised code with the column) missed such rows while the
`lang:` query (which normalises each row's tag) found them, and the language facet listed `ko-KR` beside `ko`.
The column `mentions.lang`, its copy in `mention_brands` (per-brand facets read it) and the stored document's
`lang` change together. Done once: a row in `store_steps` records it, so later opens cost one lookup; the store's
`PRAGMA user_version` is left to the FTS steps. A process of an older version writing after the step can still
store a tag as written: `groundswell store migrate` rewrites those (`langs_normalised`).
"""

from __future__ import annotations

import logging
import sqlite3
import time

from core.lang_tags import lang_tag

log = logging.getLogger(__name__)

# One-time steps done on this store (step name -> when), beside PRAGMA user_version, which the FTS steps own.
STEPS_SCHEMA = "CREATE TABLE IF NOT EXISTS store_steps (step TEXT PRIMARY KEY, done_at REAL NOT NULL);"
STEP = "lang_tags"
# Rows that may hold a tag as written: anything but two lowercase letters, and the retired codes lang_tag renames.
# A cheap SQL test first, so the Python function runs on those rows alone (a normalised store has almost none).
_CANDIDATE = ("{col} IS NOT NULL AND ({col} GLOB '*[^a-z]*' OR length({col}) <> 2 OR {col} IN ('iw', 'in', 'ji', "
              "'jw', 'mo')) AND {col} IS NOT gs_lang_tag({col})")


def migrate_lang_tags(conn: sqlite3.Connection) -> int:
    """Rewrite every stored language tag as its base code, once per store; return how many mentions changed.

    Idempotent and safe against a second process doing the same: checked again under the write lock, and the
    rows and the step's record are written in one transaction."""
    conn.executescript(STEPS_SCHEMA)
    if conn.execute("SELECT 1 FROM store_steps WHERE step = ?", (STEP,)).fetchall():
        return 0
    conn.create_function("gs_lang_tag", 1, lang_tag, deterministic=True)
    started = time.monotonic()
    conn.execute("BEGIN IMMEDIATE")
    try:
        changed = 0
        if not conn.execute("SELECT 1 FROM store_steps WHERE step = ?", (STEP,)).fetchall():
            changed = conn.execute(
                "UPDATE mentions SET lang = gs_lang_tag(lang), doc = json_set(doc, '$.lang', gs_lang_tag(lang)) "
                f"WHERE {_CANDIDATE.format(col='lang')}"
            ).rowcount
            conn.execute(f"UPDATE mention_brands SET lang = gs_lang_tag(lang) WHERE {_CANDIDATE.format(col='lang')}")
            conn.execute("INSERT INTO store_steps (step, done_at) VALUES (?, ?)", (STEP, time.time()))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    if changed:
        log.info("%d mentions' language tags rewritten as base codes (ko-KR -> ko, once) in %.1f s", changed,
                 time.monotonic() - started)
    return changed
