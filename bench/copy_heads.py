"""What the one-time story-head pass costs on a store written before it (`groundswell.copies.CopyIndex.index_heads`).

`python bench/copy_heads.py [--mentions 200000] [--out bench/results/copy_heads.json]`

The first collect that meets a retweet on a store whose posts own no story-head keys yet indexes every stored post
once (then never again: `copy:heads-indexed`). This times that pass on a copy of the dashboard benchmark's SQLite
store (`bench/dashboard_latency.py`'s, built once when absent), so the shared one stays as it is, and times the
second call, which must find every key already owned and write none.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench._results import print_entry, run_entry
from bench._store import copied_base
from groundswell.copies import HEADS_INDEXED, PREFIX, CopyIndex
from indexing.base import Filters


def bench(n: int) -> dict[str, object]:
    """Time `index_heads` on a copy of the n-mention benchmark store, then again."""
    with copied_base(n, "gs-copy-heads-") as store:
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
    return {"mentions": n, "keys_written": written, "head_keys": keys, "rows_merged": merged,
            "seconds": round(first, 1), "second_call_keys_written": again, "second_call_seconds": round(second, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=None, help="Also write the result here")
    args = parser.parse_args(argv)
    print_entry(run_entry("bench/copy_heads.py", argv, bench(args.mentions)), args.out)


if __name__ == "__main__":
    main()
