"""Time the SQLite store's one-time "language tags" step (indexing/sqlite_lang.py) on a COPY of a store.

    python -m bench.lang_tags_upgrade STORE_COPY [--stale N]

`--stale N` first writes N Korean posts' tags back as an older version stored them (`ko-KR`, in the column, the
brand rows and the document) and forgets the step, so the run measures a store with N tags to rewrite; 0 measures
the scan of a store with none. Modifies the file: pass a copy. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time

from indexing.sqlite_lang import STEPS_SCHEMA, migrate_lang_tags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="a copy of a SQLite store (it is modified)")
    parser.add_argument("--stale", type=int, default=0, help="Korean posts to put back as ko-KR first")
    args = parser.parse_args()
    conn = sqlite3.connect(args.store, isolation_level=None)
    conn.executescript(STEPS_SCHEMA)
    conn.execute("DELETE FROM store_steps")  # as a store from before the step
    if args.stale:
        conn.execute("BEGIN")
        conn.execute("CREATE TEMP TABLE stale AS SELECT rowid AS r FROM mentions WHERE lang = 'ko' LIMIT ?",
                     (args.stale,))
        conn.execute("UPDATE mentions SET lang = 'ko-KR', doc = json_set(doc, '$.lang', 'ko-KR') "
                     "WHERE rowid IN (SELECT r FROM temp.stale)")
        conn.execute("UPDATE mention_brands SET lang = 'ko-KR' WHERE mention_rowid IN (SELECT r FROM temp.stale)")
        conn.execute("COMMIT")
    mentions = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
    started = time.monotonic()
    changed = migrate_lang_tags(conn)
    first = time.monotonic() - started
    started = time.monotonic()
    again = migrate_lang_tags(conn)
    later = time.monotonic() - started
    print(json.dumps({"mentions": mentions, "stale": args.stale, "changed": changed, "step_s": round(first, 2),
                      "again_changed": again, "later_open_ms": round(later * 1000, 2)}))


if __name__ == "__main__":
    main()
