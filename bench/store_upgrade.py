"""What upgrading an existing store costs: the first open of a store in the previous format by this code.

    .venv/bin/python bench/store_upgrade.py --mentions 200000
    .venv/bin/python bench/store_upgrade.py --mentions 1000000
    .venv/bin/python bench/store_upgrade.py --mentions 200000 --es      # starts a test node (4 GB heap)
    GROUNDSWELL_ES_URL=http://localhost:9200 .venv/bin/python bench/store_upgrade.py --mentions 200000 --es

SQLite: a copy (backup API) of the dashboard benchmark's store (`bench/dashboard_data.py`'s N mentions, built by
`bench/dashboard_latency.py` once, or here when absent) is put back in the previous format the way the migration
tests do (tests/indexing/test_sqlite.py, test_theme_brands.py): `user_version` 5 (FTS document format 2) and the
theme table without its `brand` column. Then `SqliteStore(path)` is timed: every migration step, as an upgraded
process runs it. While the FTS rebuild runs, another process reads the store and tries to open it (what a
dashboard or a collect started meanwhile sees). After: the index is whole (one FTS row per mention) and search
finds emoji and words; a second open costs nothing.

Elasticsearch: N of the same mentions are written as the previous version wrote them (indices made without
`text_folded_v3` and the theme fields, documents without them, as tests/indexing/test_elasticsearch.py and
test_theme_brands.py do), then `ElasticsearchStore(...)` is timed; meanwhile a text count shows how much of the
store text search finds.

Prints the report; writes it only with an explicit --out, merged by store into that file (the committed figures:
bench/results/store_upgrade.json). The load average is recorded: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from bench.dashboard_data import mentions as bench_mentions  # noqa: E402

# What another process does while the migration runs: read, then open the store as a dashboard would.
PROBE = """
import json, sqlite3, sys, time
sys.path.insert(0, {repo!r})
from indexing.sqlite import SqliteStore
out = {{}}
t = time.perf_counter()
conn = sqlite3.connect({path!r}, timeout=60)
out["read_count"] = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
out["read_s"] = round(time.perf_counter() - t, 2)
conn.close()
t = time.perf_counter()
try:
    SqliteStore({path!r}).close()
    out["open"] = "ok"
except Exception as exc:
    out["open"] = type(exc).__name__ + ": " + str(exc)
out["open_s"] = round(time.perf_counter() - t, 2)
print(json.dumps(out))
"""


class Lines(logging.Handler):
    """The migration's log lines, each with the seconds since the open began; `on_line` sees each as it comes."""

    def __init__(self, on_line=None) -> None:
        super().__init__(logging.INFO)
        self.start = time.perf_counter()
        self.lines: list[dict[str, object]] = []
        self.on_line = on_line

    def emit(self, record: logging.LogRecord) -> None:
        line = {"at_s": round(time.perf_counter() - self.start, 2), "level": record.levelname,
                "message": record.getMessage()}
        self.lines.append(line)
        print(f"  [{line['at_s']:7.2f} s] {line['level']} {line['message']}", flush=True)
        if self.on_line:
            self.on_line(record.getMessage())


@contextmanager
def captured(on_line=None) -> Iterator[Lines]:
    """Log lines of the `indexing` package (the migration steps) at INFO and above, while the block runs."""
    handler, logger = Lines(on_line), logging.getLogger("indexing")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _machine() -> dict[str, object]:
    return {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform()}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def base_sqlite(n: int, db: Path | None) -> Path:
    """The store to copy: --db, or the dashboard benchmark's (built here once when absent)."""
    if db is not None:
        return db
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "groundswell-bench" / f"dashboard-{n}.db"
    if not path.exists():
        from bench.dashboard_latency import open_sqlite  # lazy: imports the store, as the bench's other imports

        open_sqlite(path, n).close()
    return path


def as_previous_format(path: Path, old: str = "previous") -> None:
    """Put a current store back in the format the previous version left (as the migration tests do); `old`
    "as-is": leave it (the store given is one an older version wrote, such as a 27 Nov 2026 store: one `brand`
    column per mention, times in whole seconds, `user_version` 0)."""
    if old == "as-is":  # --db is a store an older version wrote: opened as it is
        return
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        if any(r[1] == "brand" for r in conn.execute("PRAGMA table_info(mention_themes)")):
            conn.execute("CREATE TABLE old_themes (mention_rowid INTEGER NOT NULL REFERENCES mentions(rowid) "
                         "ON DELETE CASCADE, theme TEXT NOT NULL, PRIMARY KEY (mention_rowid, theme))")
            conn.execute("INSERT OR IGNORE INTO old_themes SELECT mention_rowid, theme FROM mention_themes")
            conn.execute("DROP TABLE mention_themes")
            conn.execute("ALTER TABLE old_themes RENAME TO mention_themes")
            conn.execute("CREATE INDEX mention_themes_theme ON mention_themes(theme)")
        conn.execute("PRAGMA user_version = 5")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def bench_sqlite(n: int, db: Path | None, old: str = "previous") -> dict[str, object]:
    from core.query.document import VERSION
    from indexing.base import Filters
    from indexing.sqlite import FTS_VERSION, SqliteStore

    source = base_sqlite(n, db)
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR", "/tmp")) as tmp:
        path = Path(tmp) / "upgrade.db"
        t = time.perf_counter()
        src, dst = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(path)
        src.backup(dst)
        src.close()
        dst.close()
        copy_s = time.perf_counter() - t
        as_previous_format(path, old)
        with sqlite3.connect(path) as conn:
            mentions = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
            theme_rows = conn.execute("SELECT count(*) FROM mention_themes").fetchone()[0]
        print(f"sqlite: {mentions:,} mentions, {theme_rows:,} theme rows (copied in {copy_s:.0f} s), format {old}",
              flush=True)
        probes: list[subprocess.Popen] = []

        def on_line(message: str) -> None:  # another process, started once the long step is under way
            if message.startswith("rebuilding the search index"):
                probes.append(subprocess.Popen([sys.executable, "-c", PROBE.format(repo=str(REPO), path=str(path))],
                                               stdout=subprocess.PIPE, text=True))

        load_before = _load()
        with captured(on_line) as lines:
            t = time.perf_counter()
            store = SqliteStore(path)
            first_open_s = time.perf_counter() - t
        load_after = _load()
        probe = json.loads(probes[0].communicate(timeout=600)[0]) if probes else None
        conn = store._conn()
        fts_rows = conn.execute("SELECT count(*) FROM mentions_fts").fetchone()[0]
        checks = {
            "user_version": conn.execute("PRAGMA user_version").fetchone()[0],
            "fts_rows_equal_mentions": fts_rows == mentions,
            "theme_columns": [r[1] for r in conn.execute("PRAGMA table_info(mention_themes)")],
            "theme_rows_kept": conn.execute("SELECT count(*) FROM mention_themes").fetchone()[0] == theme_rows,
            "search_battery": store.count(Filters(text="battery")),
        }
        store.close()
        t = time.perf_counter()
        SqliteStore(path).close()
        second_open_s = time.perf_counter() - t
    assert checks["user_version"] == FTS_VERSION and checks["fts_rows_equal_mentions"] and checks["theme_rows_kept"]
    rebuild = next((x for x in lines.lines if str(x["message"]).startswith("search index of")), None)
    start = next((x for x in lines.lines if str(x["message"]).startswith("rebuilding")), None)
    fts_s = float(rebuild["at_s"]) - float(start["at_s"]) if rebuild and start else None
    return {
        "mentions": mentions,
        "theme_rows": theme_rows,
        "from": {"user_version": 5, "fts_document": VERSION - 1, "mention_themes": "without brand"}
        if old == "previous" else {"db": str(source), "as": "written by an older version"},
        "steps_s": step_times(lines.lines),
        "first_open_s": round(first_open_s, 2),
        "fts_rebuild_s": round(fts_s, 2) if fts_s is not None else None,
        "fts_rebuild_mentions_per_s": round(mentions / fts_s) if fts_s else None,
        "second_open_s": round(second_open_s, 3),
        "log": lines.lines,
        "other_process_during_rebuild": probe,
        "after": checks,
        "load_average_before": load_before,
        "load_average_after": load_after,
    }


# Each upgrade step's first log line (said before its long part) and the one after it, as logged.
STEP_LINES = {
    "subsecond_times": ("giving mention times", "mention times given"),
    "theme_brands": ("adding the brand column", "theme rows given"),
    "search_index": ("rebuilding the search index", "search index of"),
    "brand_column": ("moving the brand of", "brand of"),
}


def step_times(lines: list[dict]) -> dict[str, float]:
    """Seconds between each step's opening and closing log line (steps that ran only)."""
    out: dict[str, float] = {}
    for step, (begin, end) in STEP_LINES.items():
        first = next((x for x in lines if str(x["message"]).startswith(begin)), None)
        last = next((x for x in lines if str(x["message"]).startswith(end)), None)
        if first and last:
            out[step] = round(float(last["at_s"]) - float(first["at_s"]), 2)
    return out


def _old_mappings(language_analyzers: bool) -> dict:
    from indexing.elasticsearch_mapping import SEARCH_FIELD, mentions_mappings
    from indexing.elasticsearch_themes import MAIN_THEMES, THEME_KEYS

    mappings = mentions_mappings(language_analyzers=language_analyzers)
    for field in (SEARCH_FIELD, THEME_KEYS, MAIN_THEMES, "brand_themes"):
        mappings["properties"].pop(field, None)
    return mappings


def bench_es(n: int) -> dict[str, object]:
    os.environ.setdefault("GROUNDSWELL_ES_HEAP", "4g")  # read when es_node is imported (by node_url)
    from elasticsearch import Elasticsearch, helpers
    from es_bulk import node_url, node_version

    from indexing.base import Filters
    from indexing.elasticsearch import ElasticsearchStore
    from indexing.elasticsearch_mapping import SEARCH_FIELD, month_index, to_document
    from indexing.elasticsearch_themes import MAIN_THEMES, THEME_KEYS

    url, node = node_url()
    client = Elasticsearch(url, request_timeout=300)
    prefix = f"bench-upgrade-{uuid.uuid4().hex[:6]}"
    result: dict[str, object] = {"elasticsearch": node_version(client),
                                 "node": f"tests/es_node.py ({os.environ['GROUNDSWELL_ES_HEAP']} heap)" if node
                                 else "GROUNDSWELL_ES_URL"}
    try:
        modules = {m["name"] for nd in client.nodes.info(metric="plugins").body["nodes"].values()
                   for m in nd.get("modules", [])}
        mappings = _old_mappings("analysis-common" in modules)
        made: set[str] = set()

        def actions() -> Iterator[dict]:
            for m in bench_mentions(n):  # each document as the previous version wrote it
                index = month_index(prefix, m.created_at)
                if index not in made:
                    client.indices.create(index=index, mappings=mappings, aliases={f"{prefix}-mentions": {}},
                                          settings={"number_of_shards": 1, "number_of_replicas": 0})
                    made.add(index)
                doc = {k: v for k, v in to_document(m).items()
                       if k not in (SEARCH_FIELD, THEME_KEYS, MAIN_THEMES, "brand_themes")}
                yield {"_index": index, "_id": m.id, "_source": doc}

        t = time.perf_counter()
        ok, errors = helpers.bulk(client, actions(), chunk_size=2000, raise_on_error=False)
        client.indices.refresh(index=f"{prefix}-mentions-*")
        print(f"es: {ok:,} old-format documents in {len(made)} indices, written in {time.perf_counter() - t:.0f} s",
              flush=True)
        assert not errors, errors[:3]
        alias = f"{prefix}-mentions"
        themed = client.count(index=alias, query={"exists": {"field": "themes"}}).body["count"]
        progress: list[dict[str, object]] = []
        stop = threading.Event()
        began = time.perf_counter()

        def watch() -> None:  # what a dashboard sees meanwhile: how much of the store text search can find
            while not stop.wait(5):
                try:
                    filled = client.count(index=alias, query={"exists": {"field": SEARCH_FIELD}}).body["count"]
                    total = client.count(index=alias).body["count"]
                except Exception as exc:  # noqa: BLE001 - a probe: record, never stop the bench
                    progress.append({"at_s": round(time.perf_counter() - began, 1), "error": str(exc)})
                    continue
                progress.append({"at_s": round(time.perf_counter() - began, 1), "searchable": filled, "count": total})

        watcher = threading.Thread(target=watch, daemon=True)
        load_before = _load()
        with captured() as lines:
            watcher.start()
            began = t = time.perf_counter()
            store = ElasticsearchStore(url, index_prefix=prefix, request_timeout=300)
            first_open_s = time.perf_counter() - t
            stop.set()
            watcher.join()
        load_after = _load()
        checks = {
            "count": store.count(Filters(include_spam=True)),
            "missing_search_field": client.count(index=alias, query={"bool": {"must_not": [
                {"exists": {"field": SEARCH_FIELD}}]}}).body["count"],
            "themed_missing_theme_keys": client.count(index=alias, query={"bool": {
                "filter": [{"exists": {"field": "themes"}}], "must_not": [{"exists": {"field": THEME_KEYS}}]}}
            ).body["count"],
            "search_battery": store.count(Filters(text="battery")),
        }
        store.close()
        t = time.perf_counter()
        ElasticsearchStore(url, index_prefix=prefix).close()
        second_open_s = time.perf_counter() - t
        assert checks["count"] == n and not checks["missing_search_field"] and not checks["themed_missing_theme_keys"]
        steps = {str(x["message"]).split(" on ")[0]: x["at_s"] for x in lines.lines if x["level"] == "WARNING"}
        result.update({
            "mentions": n,
            "themed_documents": themed,
            "first_open_s": round(first_open_s, 2),
            "documents_rewritten_per_s": round((n + themed) / first_open_s),
            "step_started_at_s": steps,
            "second_open_s": round(second_open_s, 3),
            "log": lines.lines,
            "during": progress,
            "after": checks,
            "load_average_before": load_before,
            "load_average_after": load_after,
        })
    finally:
        from es_node import delete_prefix  # lazy: tests/ is on sys.path only in this script

        delete_prefix(client, prefix)
        client.close()
        if node:
            node.cleanup()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=200_000)
    parser.add_argument("--db", type=Path, default=None,
                        help="A current SQLite store to copy (default: $TMPDIR/groundswell-bench/dashboard-<N>.db)")
    parser.add_argument("--es", action="store_true", help="Elasticsearch ($GROUNDSWELL_ES_URL or a test node)")
    parser.add_argument("--old-format", choices=("previous", "as-is"), default="previous",
                        help="SQLite: the format put back before the open (as-is: --db is a store an older version "
                        "wrote, such as a 27 Nov 2026 one, opened as it is)")
    parser.add_argument("--out", type=Path, default=None, help="Merge into this file: bench/results/store_upgrade.json")
    args = parser.parse_args(argv)

    store = "elasticsearch" if args.es else "sqlite"
    result = bench_es(args.mentions) if args.es else bench_sqlite(args.mentions, args.db, args.old_format)
    entry = {"command": " ".join(["python", "bench/store_upgrade.py", *(argv if argv is not None else sys.argv[1:])]),
             "when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": _machine(), **result}
    print(json.dumps(entry, indent=2, ensure_ascii=False))
    if args.out:
        report = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {
            "benchmark": "store_upgrade", "runs": {}}
        suffix = "" if args.es or args.old_format == "previous" else f"_from_{args.old_format}"
        report["runs"][f"{store}_{args.mentions}{suffix}"] = entry
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
