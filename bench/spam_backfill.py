"""What one slice of the spam upgrade backfill does on a big store (`groundswell.upgrade_backfill.backfill_spam`).

`python bench/spam_backfill.py [--mentions 200000] [--passes 3] [--out bench/results/spam_backfill.json]`

Its limit (`SPAM_POSTS_PER_PASS`) counts the posts the detector reads, each day's window with its 24 hours around,
so a pass moves the backfill on by fewer posts than that: this runs a few passes on a copy of the dashboard
benchmark's SQLite store (`bench/store_upgrade.py`'s `base_sqlite`, never modified) and reports, per pass, the posts
read, the posts it moved on by (how many fewer are left), the seconds, and the runs the whole store would take.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._results import print_entry, run_entry
from bench._store import copied_base
from groundswell.config import parse_config
from groundswell.upgrade_backfill import SPAM_KEY, SPAM_POSTS_PER_PASS, backfill_spam
from indexing.base import Filters


def bench(n: int, passes: int) -> dict[str, object]:
    """Run `passes` slices of the spam backfill on a copy of the n-mention benchmark store."""
    config = parse_config({"brands": [{"name": "Lumora", "query": "lumora"}], "sources": [],
                           "store": {"type": "sqlite", "path": "unused.db"}})
    with copied_base(n, "gs-spam-backfill-") as store:
        store.delete_state([SPAM_KEY])
        total = store.count(Filters(include_spam=True))
        now = datetime.now(UTC)
        left, rows = total, []
        for _ in range(passes):
            started = time.perf_counter()
            result = backfill_spam(config, store, now=now)
            seconds = time.perf_counter() - started
            rows.append({"read": result.get("examined", 0), "moved_on": left - result.get("remaining", 0),
                         "flagged": result.get("flagged", 0), "seconds": round(seconds, 1)})
            left = result.get("remaining", 0)
            if result.get("done"):
                break
    moved = sum(r["moved_on"] for r in rows) / len(rows)
    return {"mentions": total, "limit": SPAM_POSTS_PER_PASS, "passes": rows,
            "posts_moved_on_per_pass": round(moved), "runs_for_the_store": -(-total // max(1, round(moved)))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=200_000)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="Also write the result here")
    args = parser.parse_args(argv)
    print_entry(run_entry("bench/spam_backfill.py", argv, bench(args.mentions, args.passes)), args.out)


if __name__ == "__main__":
    main()
