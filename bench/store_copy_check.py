"""What the closing check of `groundswell store copy` costs (`groundswell.store_copy._catch_up`: the source read
again, the target read by id), SQLite to SQLite.

    .venv/bin/python bench/store_copy_check.py --n 50000            # es_bulk.py's synthetic mentions
    .venv/bin/python bench/store_copy_check.py --db path/to/groundswell.db   # an existing store, read only

Times one whole copy into a fresh file (the check included), then the check alone over the finished pair (what
it costs when nothing is missing, the usual case). Each step once: a shared machine's load moves the figures
(recorded). Prints the result; writes it only with --out.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from _results import print_entry, run_entry  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="synthetic mentions (without --db)")
    parser.add_argument("--db", type=Path, default=None, help="copy this SQLite store instead (opened, not written)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    from groundswell.store_copy import BATCH, StoreCopyReport, _blocks, _catch_up, copy_store
    from indexing.base import Filters
    from indexing.sqlite import SqliteStore

    everything = Filters(include_spam=True)
    with tempfile.TemporaryDirectory() as tmp:
        if args.db is None:
            from es_bulk import corpus  # lazy: only the synthetic case needs it

            source = SqliteStore(Path(tmp) / "source.db")
            assert all(r.ok for r in source.upsert(corpus(args.n)))
        else:
            source = SqliteStore(args.db)
        target = SqliteStore(Path(tmp) / "target.db")
        try:
            t = time.perf_counter()
            report = copy_store(source, target, source_name="bench source", target_name="bench target")
            copy_s = time.perf_counter() - t
            assert report.complete and target.count(everything) == source.count(everything), report
            t = time.perf_counter()
            found = _catch_up(source, target, everything, StoreCopyReport("s", "t"), _blocks(source, target),
                              batch=BATCH, write=True)
            check_s = time.perf_counter() - t
            assert found == 0
            figures = {"mentions": report.source_mentions, "copy_s": round(copy_s, 2),
                       "closing_check_s": round(check_s, 2),
                       "check_share_of_copy": round(check_s / copy_s, 3)}
        finally:
            source.close()
            target.close()
    print_entry(run_entry("bench/store_copy_check.py", argv, figures), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
