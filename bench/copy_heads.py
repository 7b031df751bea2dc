"""What the one-time story-head pass costs on a store written before it (`groundswell.copies.CopyIndex.index_heads`).

`python bench/copy_heads.py [--mentions 200000] [--out bench/results/copy_heads.json]`

The first collect that meets a retweet on a store whose posts own no story-head keys yet indexes every stored post
once (then never again: `copy:heads-indexed`). This times that pass on a copy of the dashboard benchmark's SQLite
store (`bench/dashboard_latency.py`'s, built once when absent), so the shared one stays as it is, and times the
second call, which must find every key already owned and write none.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.store_upgrade import base_sqlite
from groundswell.copies import HEADS_INDEXED, PREFIX, CopyIndex
from indexing.base import Filters
from indexing.sqlite import SqliteStore


def bench(n: int) -> dict[str, object]:
    """Time `index_heads` on a copy of the n-mention benchmark store, then again."""
    base = base_sqlite(n, None)
    with tempfile.TemporaryDirectory(prefix="gs-copy-heads-") as tmp:
        path = Path(tmp) / "groundswell.db"
        shutil.copyfile(base, path)
        store = SqliteStore(path)
        try:
            store.delete_state([HEADS_INDEXED])
            rows = store.count(Filters(include_spam=True))
            started = time.perf_counter()
            written = CopyIndex(store).index_heads()
            first = time.perf_counter() - started
            started = time.perf_counter()
            again = CopyIndex(store).index_heads()
            second = time.perf_counter() - started
            keys = sum(1 for key in store.state_items(f"{PREFIX}head:"))
            # Rows the pass merged into the post they copy (`CopyIndex.merge_copies`): the benchmark store's posts
            # are written straight into it, its retweets beside their originals, as an older version stored them.
            merged = rows - store.count(Filters(include_spam=True))
        finally:
            store.close()
    return {"mentions": n, "keys_written": written, "head_keys": keys, "rows_merged": merged,
            "seconds": round(first, 1), "second_call_keys_written": again, "second_call_seconds": round(second, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=None, help="Also write the result here")
    args = parser.parse_args(argv)
    entry = {"command": " ".join(["python", "bench/copy_heads.py", *(argv if argv is not None else sys.argv[1:])]),
             "when": datetime.now(UTC).isoformat(timespec="seconds"), "load": [round(x, 2) for x in os.getloadavg()],
             "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count()}, **bench(args.mentions)}
    print(json.dumps(entry, indent=2))
    if args.out:
        args.out.write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
