"""What a Hangul infix search (`*영화`: a word inside unspaced compounds) costs the embedded store, against the
Hangul word it contains (`영화`, the start of a word) and a 3-syllable infix the trigram index answers alone.

    .venv/bin/python bench/hangul_infix.py                    # 5 copies of the Korean reviews: 100,000 posts
    .venv/bin/python bench/hangul_infix.py --copies 1 --out bench/results/hangul_infix.json
    .venv/bin/python bench/hangul_infix.py --es      # the same on Elasticsearch (a test node, tests/es_node.py)

The posts are the Korean movie reviews of `../shared/data/sentiment/nsmc_raw/ko/train.jsonl` (20,000, read in place),
each copy a further 20,000 posts, spread over 30 days, half of them brand Lumora, half Sonne. A two-syllable infix
has no trigram (FTS5 needs three characters), so the store reads every row its other filters leave and runs the
matcher on it: the figures show that cost over the whole store, one brand and one brand's last 3 days
(docs/query-language.md, "Hangul infixes"). With --es, the same posts and queries on Elasticsearch (a regexp of
Hangul words there), on $GROUNDSWELL_ES_URL or a test node started here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._results import write_report  # noqa: E402
from core.mention import Mention  # noqa: E402
from indexing.base import Filters, Store  # noqa: E402
from indexing.sqlite import SqliteStore  # noqa: E402

REVIEWS = REPO.parent / "shared" / "data" / "sentiment" / "nsmc_raw" / "ko" / "train.jsonl"
NEWEST = datetime(2026, 3, 31, tzinfo=UTC)
QUERIES = ["영화", "*영화", "*재미없", "*영화 AND 배우"]


def posts(copies: int) -> list[Mention]:
    """The reviews, `copies` times (ids differ per copy), a minute-ish apart over 30 days, brands alternating."""
    texts = [json.loads(line)["text"] for line in REVIEWS.read_text(encoding="utf-8").splitlines() if line.strip()]
    n = len(texts) * copies
    step = timedelta(days=30) / n
    return [
        Mention(source="import", native_id=f"{c}-{i}", text=text, lang="ko",
                created_at=NEWEST - step * (c * len(texts) + i), brand="Lumora" if i % 2 else "Sonne")
        for c in range(copies) for i, text in enumerate(texts)
    ]


def _time(fn: Callable[[], Any], repeat: int) -> tuple[Any, dict[str, float]]:
    out, times = None, []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - start) * 1000)
    return out, {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def run(store: Store, repeat: int) -> dict[str, Any]:
    """Per query and scope: the count and the first search page (20 hits), each timed `repeat` times."""
    scopes = {"all posts": Filters(), "brand Lumora": Filters(brand="Lumora"),
              "brand Lumora, 3 days": Filters(brand="Lumora", since=NEWEST - timedelta(days=3))}
    results: dict[str, Any] = {}
    for scope, base in scopes.items():
        for query in QUERIES:
            f = base.replace(text=query)
            n, count_t = _time(lambda f=f: store.count(f), repeat)
            _, page_t = _time(lambda f=f: store.search(f, size=20), repeat)
            results[f"{query} | {scope}"] = {"matches": n, "count": count_t, "search_page": page_t}
            print(f"{query:16s} {scope:22s} {n:>8,} matches  count p50 {count_t['p50_ms']:8.1f} ms  "
                  f"page p50 {page_t['p50_ms']:8.1f} ms", flush=True)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5, help="copies of the 20,000 reviews (default 5: 100,000)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="also write the report here")
    parser.add_argument("--es", action="store_true", help="on Elasticsearch instead of SQLite")
    args = parser.parse_args(argv)
    if not REVIEWS.exists():
        parser.error(f"{REVIEWS} is not there: this benchmark reads the shared Korean reviews in place")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="gs-hangul-infix-") as tmp:
        store = _es_store() if args.es else SqliteStore(Path(tmp) / "gs.db")
        try:
            batch = posts(args.copies)
            for at in range(0, len(batch), 5000):
                failed = [r for r in store.upsert(batch[at : at + 5000]) if not r.ok]  # a generator: it writes as read
                if failed:
                    raise SystemExit(f"could not write {failed[0].id}: {failed[0].error}")
            total = store.count()
            results = run(store, args.repeat)
        finally:
            if args.es:
                from es_node import delete_prefix  # lazy: tests/es_node.py, on the path only for --es

                delete_prefix(store.client, store.prefix)
            store.close()
    report = {
        "benchmark": "hangul_infix",
        "store": "elasticsearch (tests/es_node.py, 512m heap, or $GROUNDSWELL_ES_URL)" if args.es else "sqlite",
        "mentions": total,
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


def _es_store() -> Store:
    """An Elasticsearch store under a fresh prefix, on $GROUNDSWELL_ES_URL or a test node (stopped at exit)."""
    import uuid  # lazy: only for --es

    sys.path.insert(0, str(REPO / "tests"))
    from bench.es_bulk import node_url  # lazy: starts a node, only for --es
    from indexing.elasticsearch import ElasticsearchStore  # lazy: the client only for --es

    url, _node = node_url()
    return ElasticsearchStore(url, index_prefix=f"gs-bench-infix-{uuid.uuid4().hex[:8]}")


if __name__ == "__main__":
    main()
