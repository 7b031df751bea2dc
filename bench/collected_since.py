"""What an incremental load's `collected_since` filter costs on the embedded store (docs/dashboard.md, "Loading a
warehouse or a BI tool"): SQLite keeps `collected_at` only in each post's stored document, so the filter reads
every post of the view; Elasticsearch has it indexed.

    .venv/bin/python bench/collected_since.py --mentions 100000

Builds a store of N demo-shaped mentions (`bench/dashboard_data.py`), the newest 1% collected a day after the rest,
then times counting and exporting (iterating) the posts collected since that day, against the same reads without
the filter. Prints the report; writes it only with --out.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._results import print_entry, run_entry  # noqa: E402
from bench.dashboard_data import mentions as bench_mentions  # noqa: E402
from indexing.base import Filters  # noqa: E402
from indexing.sqlite import SqliteStore  # noqa: E402

FIRST = datetime(2026, 11, 1, tzinfo=UTC)
LATER = FIRST + timedelta(days=1)


def _best_ms(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, (time.perf_counter() - started) * 1000)
    return round(best, 1), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    late = max(1, args.mentions // 100)
    with tempfile.TemporaryDirectory(prefix="gs-collected-since-") as tmp:
        store = SqliteStore(Path(tmp) / "groundswell.db")
        try:
            posts = (m.model_copy(update={"collected_at": LATER if i >= args.mentions - late else FIRST})
                     for i, m in enumerate(bench_mentions(args.mentions)))
            started = time.perf_counter()
            assert all(r.ok for r in store.upsert(posts, chunk_size=5000))
            built_s = round(time.perf_counter() - started, 1)
            since = Filters(collected_since=LATER)
            figures = {"mentions": args.mentions, "collected_since_matches": late, "build_s": built_s}
            for name, filters in (("all", Filters()), ("collected_since", since)):
                figures[f"count_{name}_ms"], counted = _best_ms(lambda f=filters: store.count(f), args.repeat)
                figures[f"export_{name}_ms"], rows = _best_ms(
                    lambda f=filters: sum(1 for _ in store.iter_mentions(f)), args.repeat)
                figures[f"count_{name}"], figures[f"rows_{name}"] = counted, rows
        finally:
            store.close()
    print_entry(run_entry("bench/collected_since.py", argv, figures), args.out)


if __name__ == "__main__":
    main()
