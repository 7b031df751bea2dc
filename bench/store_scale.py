"""Costs of the SQLite store that grow with its size (docs/dashboard.md "Performance", docs/security.md), on a copy
of a big store: the export of several brands chunk by chunk, `lang:` queries, `subject forget --author`'s lookup,
and the WAL after a big write.

    python bench/store_scale.py [--mentions 105000 | --db STORE.db] [--case export|lang|author|wal ...]
        [--until 2026-12-06] [--brands Lumora,Sonique] [--author x:HANDLE] [--out bench/results/store_scale.json]

Without `--db`, the store is the benchmarks' shared demo-shaped one of `--mentions` posts over a year
(`bench/dashboard_data.py`, built once under $TMPDIR/groundswell-bench by `bench.store_upgrade.base_sqlite`); the
periods end at its newest post unless `--until` says otherwise, and the brands are all it holds unless `--brands`.
The store is copied first (SQLite's backup API), so what a case writes (an index the open adds, the WAL case's
writes) never reaches it. `export`: `iter_mentions` of every brand over 30 and 90 days, CPU seconds per 2,000-row
chunk, this version's merge of per-brand ranges (`after`) against the single keyset statement it replaced
(`before`, `SqliteStore._iter_keyset`), and whether both list the same rows in the same order.

Each case prints a line as it ends; the figures of every case are printed as JSON at the end (with the command,
time, load and machine), and written to `--out` when given.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._results import run_entry, write_report  # noqa: E402
from bench.store_upgrade import base_sqlite  # noqa: E402
from indexing.base import Filters  # noqa: E402
from indexing.sqlite import SqliteStore  # noqa: E402


def _chunks(it, seconds: float) -> tuple[int, list[float], list[str]]:
    """(rows, CPU seconds of each 2,000-row chunk, ids in order), stopping after `seconds` of wall time."""
    t0, w0 = time.process_time(), time.perf_counter()
    n, marks, ids = 0, [], []
    for m in it:
        n += 1
        ids.append(m.id)
        if n % 2000 == 0:
            marks.append(time.process_time() - t0)
        if time.perf_counter() - w0 > seconds:
            break
    marks.append(time.process_time() - t0)
    return n, [round(b - a, 3) for a, b in zip([0.0, *marks], marks, strict=False)], ids


def export_case(store: SqliteStore, brands: list[str], until: datetime, seconds: float) -> list[dict]:
    """Each period's export read chunk by chunk, after and before (rows, CPU seconds, per-chunk CPU)."""
    figures = []
    for days in (30, 90):
        f = Filters(brands=brands, since=until - timedelta(days=days), until=until)
        n_after, after, ids_after = _chunks(store.iter_mentions(f), seconds)
        n_before, before, ids_before = _chunks(store._iter_keyset(f, 2000), seconds)
        same = ids_before == ids_after[: len(ids_before)]
        print(f"export {days}d {len(brands)} brands: after rows={n_after} cpu={sum(after):.2f}s "
              f"chunk cpu first {after[:3]} last {after[-4:-1]} | before rows={n_before} cpu={sum(before):.2f}s "
              f"chunk cpu first {before[:3]} last {before[-4:-1]} | same rows and order: {same}", flush=True)
        figures.append({"days": days, "brands": len(brands), "same_rows_and_order": same,
                        "after": {"rows": n_after, "cpu_s": round(sum(after), 3), "chunk_cpu_s": after},
                        "before": {"rows": n_before, "cpu_s": round(sum(before), 3), "chunk_cpu_s": before}})
    return figures


def lang_case(store: SqliteStore, brand: str, until: datetime) -> list[dict]:
    """`count` and page one of `lang:` queries over 90 days of one brand: the store's answer, and the matcher's
    (every `lang:` left to it, as before) for the same count."""
    import indexing.sqlite as sqlite_store  # lazy: the module whose `split_langs` the "before" figure switches off

    f = Filters(brand=brand, since=until - timedelta(days=90), until=until)
    figures = []
    for text in (f"{brand.lower()} lang:de", "lang:de", f"{brand.lower()} (lang:de OR lang:fr)"):
        q = f.replace(text=text)
        t = time.perf_counter()
        n, page = store.count(q), store.search(q, size=20)
        after = time.perf_counter() - t
        real = sqlite_store.split_langs
        sqlite_store.split_langs = lambda query: ((), query)
        try:
            t = time.perf_counter()
            n_before, _ = store.count(q), store.search(q, size=20)
            before = time.perf_counter() - t
        finally:
            sqlite_store.split_langs = real
        print(f"lang {text!r} 90d {brand}: after {after:.2f} s (count {n}, page {len(page.hits)}) | before "
              f"{before:.2f} s (count {n_before}) | same count: {n == n_before}", flush=True)
        figures.append({"query": text, "brand": brand, "days": 90, "count": n, "page": len(page.hits),
                        "after_s": round(after, 3), "before_s": round(before, 3), "same_count": n == n_before})
    return figures


def author_case(store: SqliteStore, author: str | None) -> dict:
    """`groundswell subject`'s lookup of one author: the store's index (`mentions_by_author`) against a read of
    every post of the source (`iter_mentions`, the way before)."""
    from groundswell.subject import Subject, find_held  # lazy: the application layer, only for this case

    if author is None:  # the source's busiest author
        source, handle = store._conn().execute(
            "SELECT source, author_handle FROM mentions WHERE author_handle IS NOT NULL GROUP BY source, "
            "author_handle ORDER BY count(*) DESC LIMIT 1").fetchone()
    else:
        source, _, handle = author.partition(":")
    subject = Subject(authors=frozenset({(source, handle.lstrip("@").casefold())}))
    t = time.perf_counter()
    held = find_held(store, subject)
    after = time.perf_counter() - t
    t = time.perf_counter()
    scanned = [m.id for m in store.iter_mentions(Filters(source=source, include_spam=True)) if subject.is_author(m)]
    before = time.perf_counter() - t
    same = sorted(scanned) == sorted(m.id for m in held.mentions)
    print(f"author {source}:{handle}: after {after:.2f} s ({len(held.mentions)} posts) | before (scan of the "
          f"source) {before:.2f} s ({len(scanned)} posts) | same posts: {same}", flush=True)
    return {"author": f"{source}:{handle}", "posts": len(held.mentions), "after_s": round(after, 3),
            "before_s": round(before, 3), "same_posts": same}


def wal_case(store: SqliteStore, path: Path) -> dict:
    """The `-wal` file after a big write (every post's engagement rewritten, as a re-collect does, in one
    transaction), then after `vacuum` (which writes the whole store into the WAL first), as `maintain` runs them."""
    wal = Path(f"{path}-wal")
    conn = store._conn()
    with store._write_lock:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE mentions SET engagement = engagement + 1")
        conn.execute("COMMIT")
    size = wal.stat().st_size if wal.exists() else 0
    result = store.checkpoint()
    checkpointed = wal.stat().st_size if wal.exists() else 0
    print(f"wal: after rewriting every post {size / 1e6:.0f} MB; checkpoint {result} -> "
          f"{checkpointed / 1e6:.1f} MB", flush=True)
    t = time.perf_counter()
    store.vacuum()
    vacuum_s = time.perf_counter() - t
    vacuumed = wal.stat().st_size if wal.exists() else 0
    print(f"wal: after vacuum ({vacuum_s:.0f} s) {vacuumed / 1e6:.1f} MB, store "
          f"{path.stat().st_size / 1e6:.0f} MB", flush=True)
    return {"wal_after_write_mb": round(size / 1e6, 1), "checkpoint": str(result),
            "wal_after_checkpoint_mb": round(checkpointed / 1e6, 1), "vacuum_s": round(vacuum_s, 1),
            "wal_after_vacuum_mb": round(vacuumed / 1e6, 1), "store_mb": round(path.stat().st_size / 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--mentions", type=int, default=105_000)
    parser.add_argument("--case", action="append", choices=["export", "lang", "author", "wal"])
    parser.add_argument("--until", default=None, help="end of the periods (default: the newest post's time)")
    parser.add_argument("--brands", default=None, help="comma-separated (default: every brand of the store)")
    parser.add_argument("--author", default=None, help="SOURCE:HANDLE for the author case (default: a busy one)")
    parser.add_argument("--seconds", type=float, default=60.0, help="wall-time cap of each export read")
    parser.add_argument("--out", type=Path, default=None, help="also write the figures here (JSON)")
    args = parser.parse_args()
    cases = args.case or ["export", "lang", "author", "wal"]
    with tempfile.TemporaryDirectory(prefix="gs-store-scale-") as tmp:
        path = Path(tmp) / "groundswell.db"
        src, dst = sqlite3.connect(base_sqlite(args.mentions, args.db)), sqlite3.connect(path)
        src.backup(dst)
        src.close()
        dst.close()
        started = time.perf_counter()
        store = SqliteStore(path)
        print(f"open (upgrade steps included): {time.perf_counter() - started:.1f} s", flush=True)
        conn = store._conn()
        if args.until:
            until = datetime.fromisoformat(args.until).replace(tzinfo=UTC)
        else:
            until = datetime.fromtimestamp(conn.execute("SELECT max(created_at) FROM mentions").fetchone()[0] + 1, UTC)
        brands = args.brands.split(",") if args.brands else [
            b for (b,) in conn.execute("SELECT DISTINCT brand FROM mention_brands ORDER BY brand")]
        figures: dict = {"mentions": conn.execute("SELECT count(*) FROM mentions").fetchone()[0],
                         "until": until.isoformat(), "brands": brands}
        try:
            if "export" in cases:
                figures["export"] = export_case(store, brands, until, args.seconds)
            if "lang" in cases:
                figures["lang"] = lang_case(store, brands[0], until)
            if "author" in cases:
                figures["author"] = author_case(store, args.author)
            if "wal" in cases:
                figures["wal"] = wal_case(store, path)
        finally:
            store.close()
    entry = run_entry("bench/store_scale.py", None, figures)
    print(json.dumps(entry, indent=2))
    write_report(args.out, entry)


if __name__ == "__main__":
    main()
