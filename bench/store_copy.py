"""Store copy benchmark: how long `groundswell store copy` takes to move a history from the embedded
store into Elasticsearch and back.

    .venv/bin/python bench/store_copy.py --n 100000          # starts a test node (tests/es_node.py)
    GROUNDSWELL_ES_URL=http://localhost:9200 .venv/bin/python bench/store_copy.py --n 1000000

Prints the result; writes it only with an explicit --out (the committed figure: bench/results/store_copy.json).
The mentions are es_bulk.py's synthetic ones (five languages, labels, themes, ~6 months: six monthly
indices). Steps, each timed once: fill a fresh SQLite store; copy it into a fresh index prefix
(`copy_store`: 1,000-mention batches, each read back, then the state); copy that into a second fresh
SQLite file. Both copies are checked whole (counts and a sample of ids read back) before the figure
counts. The machine's load average is recorded: a shared machine's other work moves these numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from es_bulk import corpus, node_url, result_header, write_result  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="mentions in the store to copy")
    parser.add_argument("--out", type=Path, default=None, help="Also write it here: bench/results/store_copy.json")
    args = parser.parse_args(argv)

    from elasticsearch import Elasticsearch

    from groundswell.store_copy import copy_store
    from indexing.base import Filters
    from indexing.elasticsearch import ElasticsearchStore
    from indexing.sqlite import SqliteStore

    url, node = node_url()
    client = Elasticsearch(url, request_timeout=120)
    prefix = f"bench-copy-{uuid.uuid4().hex[:6]}"
    everything = Filters(include_spam=True)
    result: dict = result_header("store_copy.py", argv, client, url, node, args.n)
    result["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory() as tmp:
        old, back = SqliteStore(Path(tmp) / "old.db"), SqliteStore(Path(tmp) / "back.db")
        es = ElasticsearchStore(url, index_prefix=prefix, request_timeout=120)
        try:
            mentions = corpus(args.n)
            t = time.perf_counter()
            assert all(r.ok for r in old.upsert(mentions))
            result["fill_sqlite_s"] = round(time.perf_counter() - t, 2)
            for name, source, target in (("sqlite_to_elasticsearch", old, es), ("elasticsearch_to_sqlite", es, back)):
                t = time.perf_counter()
                report = copy_store(source, target, source_name=name + ":source", target_name=name + ":target")
                seconds = time.perf_counter() - t
                sample = [m.id for m in mentions[:: max(1, args.n // 1000)]]
                assert report.complete and report.copied == args.n and target.count(everything) == args.n, report
                assert len(target.get(sample)) == len(sample)
                result[name] = {"seconds": round(seconds, 2), "mentions_per_s": round(args.n / seconds)}
        finally:
            old.close()
            back.close()
            from es_node import delete_prefix

            delete_prefix(client, prefix)
            es.close()
            client.close()
            if node:
                node.cleanup()
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
