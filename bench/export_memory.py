"""The dashboard's `/api/export` over a whole SQLite store: rows, distinct ids and the server's memory
(docs/dashboard.md "Performance"), optionally while a writer re-writes every post's engagement (a re-collect).

    python bench/export_memory.py [--mentions 105000 | --db STORE.db] [--brand Lumora] [--sort engagement]
        [--format csv] [--rewrite]

Without `--db`, the store is the benchmarks' shared demo-shaped one of `--mentions` posts (`bench/dashboard_data.py`,
built once under $TMPDIR/groundswell-bench by `bench.store_upgrade.base_sqlite`), so anyone can reproduce the figures.

The store is copied first (SQLite's backup: the copy is what the writer changes). The dashboard runs as a child
process (uvicorn, the real app) so its memory is its own: the resident set (VmRSS of /proc) is sampled every
10,000 rows while this process reads the stream, and the peak (VmHWM) taken at the end. `--rewrite`: a thread
re-writes the engagement of every post of the store, 500 at a time, until the export ends, through the store's own
upsert, as a re-collect does. An export that reads one snapshot lists each matching post exactly once whatever
the writer does.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._results import print_entry, run_entry  # noqa: E402

SAMPLE_EVERY = 10_000


def _status_kb(pid: int, field: str) -> int:
    """A /proc/<pid>/status figure in kB (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def _serve(db: str, brand: str, port: int) -> None:
    """The child: the dashboard over `db` on 127.0.0.1:`port` until killed."""
    import uvicorn  # lazy: only the child serves

    from dashboards.web.app import create_app  # lazy: the app loads in the child only
    from groundswell.config import BrandConfig  # lazy: as above
    from indexing.sqlite import SqliteStore  # lazy: as above

    store = SqliteStore(db)
    app = create_app(store, [BrandConfig(name=brand, query=brand)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rewrite(db: str, stop: threading.Event, done: list[int]) -> None:
    """Re-write every post's engagement (new random likes), 500 posts a transaction, until `stop`."""
    from indexing.sqlite import SqliteStore  # lazy: as in the child

    store = SqliteStore(db)
    rng = random.Random(7)
    try:
        while not stop.is_set():
            chunk = []
            for mention in store.iter_mentions(None):
                likes = rng.randint(0, 100_000)
                chunk.append(mention.model_copy(update={"engagement": mention.engagement.model_copy(
                    update={"likes": likes})}))
                if len(chunk) == 500:
                    done[0] += sum(1 for r in store.upsert(chunk) if r.ok)
                    chunk = []
                    if stop.is_set():
                        return
            done[0] += sum(1 for r in store.upsert(chunk) if r.ok)
    finally:
        store.close()


def _id_of(line: str) -> str:
    """The id of a JSONL line."""
    return json.loads(line)["id"]


def run(db: Path, brand: str, sort: str | None, fmt: str, rewrite: bool) -> dict[str, Any]:
    """Export the copy of `db` through a child dashboard; the figures."""
    with tempfile.TemporaryDirectory(prefix="gs-export-memory-") as tmp:
        copy = str(Path(tmp) / "store.db")
        src, dst = sqlite3.connect(f"file:{db}?mode=ro", uri=True), sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        dst.close()
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        child = subprocess.Popen([sys.executable, __file__, "--serve-child", copy, brand, str(port)], env=env)
        stop, written = threading.Event(), [0]
        try:
            _wait_up(port, child)
            idle_kb = _status_kb(child.pid, "VmRSS")
            writer = threading.Thread(target=_rewrite, args=(copy, stop, written), daemon=True)
            path = f"/api/export?brand={brand}&format={fmt}" + (f"&sort={sort}" if sort else "")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            started = time.monotonic()
            conn.request("GET", path)
            response = conn.getresponse()
            if rewrite:
                writer.start()
            rows, ids, samples = 0, set(), []
            header = fmt == "csv"
            # CSV rows may hold newlines inside quotes: read them as CSV, not as lines
            lines = _csv_ids(response) if fmt == "csv" else (line.decode() for line in response)
            for line in lines:
                if header:
                    header = False
                    continue
                rows += 1
                ids.add(line if fmt == "csv" else _id_of(line))
                if rows % SAMPLE_EVERY == 0:
                    samples.append({"rows": rows, "rss_mb": round(_status_kb(child.pid, "VmRSS") / 1024, 1)})
            seconds = time.monotonic() - started
            peak_kb = _status_kb(child.pid, "VmHWM")
            status = response.status
        finally:
            stop.set()
            child.terminate()
            child.wait(timeout=30)
        return {"store": str(db), "brand": brand, "sort": sort, "format": fmt, "status": status, "rows": rows,
                "distinct_ids": len(ids), "seconds": round(seconds, 1), "rewritten_during_export": written[0],
                "server_rss_idle_mb": round(idle_kb / 1024, 1), "server_rss_peak_mb": round(peak_kb / 1024, 1),
                "server_rss_samples": samples}


def _csv_ids(response: http.client.HTTPResponse):  # type: ignore[no-untyped-def]
    """The first cell (the id) of each CSV record of the streamed answer."""
    import csv  # lazy: CSV only

    reader = csv.reader(line.decode() for line in response)
    for record in reader:
        yield record[0] if record else ""


def _wait_up(port: int, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError("the dashboard did not start")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the dashboard did not answer within 120 s")


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve-child":
        _serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=None, help="the SQLite store to copy and export (else --mentions)")
    ap.add_argument("--mentions", type=int, default=105_000, help="without --db: the shared bench store of this size")
    ap.add_argument("--brand", default="Lumora")
    ap.add_argument("--sort", choices=["newest", "oldest", "engagement", "relevance"], default=None)
    ap.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    ap.add_argument("--rewrite", action="store_true", help="re-write every post's engagement while exporting")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON result here")
    args = ap.parse_args()
    from bench.store_upgrade import base_sqlite  # lazy: builds the shared store only when --db is not given

    db = base_sqlite(args.mentions, args.db)
    print_entry(run_entry("bench/export_memory.py", None, run(db, args.brand, args.sort, args.format,
                                                                args.rewrite)), args.out)


if __name__ == "__main__":
    main()
