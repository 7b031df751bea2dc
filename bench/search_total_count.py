"""What an exact search total would cost on the embedded store: `count` (every match) against `count_capped`
(stops at TOTAL_CAP, what a search's total reads), for a few broad Explore queries on a bench store.

    .venv/bin/python bench/search_total_count.py --db /tmp/groundswell-bench/dashboard-1000000.db
    .venv/bin/python bench/search_total_count.py --db ... --out bench/results/search_total_count.json

The store is one `bench/dashboard_latency.py` built (it is read, never built or written here). The figures decide
whether a search's total can be exact within the dashboard's 150 ms for a search page (docs/dashboard.md): where it
cannot, the total stays capped and the API says so (`total_exact: false`, Explore's "10,000+ matches").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._results import write_report  # noqa: E402
from indexing.base import Filters  # noqa: E402
from indexing.sqlite import TOTAL_CAP, SqliteStore  # noqa: E402

SEARCH_TARGET_MS = 150  # docs/dashboard.md: p95 of a search page


def queries(newest: datetime) -> dict[str, Filters]:
    """Broad searches an analyst runs in Explore: no query (Explore's default, every post), a brand, common words,
    a prefix, the latency bench's boolean query, and a NOT (which the FTS prefilter cannot answer alone)."""
    since30 = newest - timedelta(days=30)
    return {
        "everything": Filters(),
        "brand Lumora": Filters(brand="Lumora"),
        "lumora": Filters(text="lumora"),
        "bat*": Filters(text="bat*"),
        "battery AND (overheating OR charging), Lumora, 30 days": Filters(
            brand="Lumora", text="battery AND (overheating OR charging)", since=since30
        ),
        "lumora AND NOT battery": Filters(text="lumora AND NOT battery"),
    }


def _time(fn: Callable[[], Any], repeat: int) -> tuple[Any, dict[str, float]]:
    out, times = None, []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - start) * 1000)
    return out, {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def run(store: SqliteStore, repeat: int) -> dict[str, Any]:
    """Per query: the capped count (as a search reads it) and the exact count, each timed `repeat` times."""
    newest = store.search(Filters(), size=1, sort="newest").hits[0].mention.created_at
    results: dict[str, Any] = {}
    for name, f in queries(newest).items():
        (capped, exact), capped_t = _time(lambda f=f: store.count_capped(f, TOTAL_CAP), repeat)
        n, exact_t = _time(lambda f=f: store.count(f), repeat)
        results[name] = {"capped": {"total": capped, "exact": exact, **capped_t}, "exact": {"total": n, **exact_t},
                         "exact_within_target": exact_t["max_ms"] < SEARCH_TARGET_MS}
        print(f"{name:55s} capped {capped:>8,}{'' if exact else '+'} p50 {capped_t['p50_ms']:8.1f} ms   "
              f"exact {n:>9,} p50 {exact_t['p50_ms']:8.1f} ms  max {exact_t['max_ms']:8.1f} ms", flush=True)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a store bench/dashboard_latency.py built")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"{args.db} does not exist: build it with bench/dashboard_latency.py --mentions N")
    store = SqliteStore(args.db)
    load_before = os.getloadavg()
    try:
        total = store.count()
        results = run(store, args.repeat)
    finally:
        store.close()
    report = {
        "benchmark": "search_total_count",
        "mentions": total,
        "total_cap": TOTAL_CAP,
        "search_target_p95_ms": SEARCH_TARGET_MS,
        "repeat": args.repeat,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "results": results,
    }
    print(json.dumps(report))
    write_report(args.out, report)


if __name__ == "__main__":
    main()
