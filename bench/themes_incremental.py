"""Themes step cost on a store of N mentions: the full clustering, a pass with nothing new, 1,000 new posts.

Each pass runs as a fresh process would (its own `SentenceEmbeddings`, nothing kept from enrich),
which is what the Airflow themes task and `groundswell themes` do. The corpus is
`bench/dashboard_data.py` (the demo's shape, two brands) with its theme labels removed.

    .venv/bin/python bench/themes_incremental.py --mentions 20000 --new 1000 \
        --out bench/results/themes_incremental.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dashboard_data import mentions as demo_mentions  # noqa: E402
from groundswell.config import BrandConfig, Config  # noqa: E402
from groundswell.pipeline import themes_pass  # noqa: E402
from indexing.sqlite import SqliteStore  # noqa: E402
from nlp.embeddings import SentenceEmbeddings  # noqa: E402


def _load(store: SqliteStore, items) -> int:
    rows = [m.model_copy(update={"themes": []}) for m in items]
    failed = [r for r in store.upsert(rows) if not r.ok]
    if failed:
        raise RuntimeError(failed[0].error)
    return len(rows)


def _pass(config: Config, store: SqliteStore, full: bool = False) -> dict:
    embeddings = SentenceEmbeddings(backend=config.nlp.backend)
    start = time.perf_counter()
    passes = themes_pass(config, store, embeddings=embeddings, full=full)
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "texts_encoded": embeddings.encoded,
        "brands": {p.brand: {"mode": p.mode, "reason": p.reason, "new": p.new, "assigned": p.assigned,
                             "themes": len(p.themes)} for p in passes},
    }


def run(n: int, new: int) -> dict:
    config = Config(brands=[BrandConfig(name="Lumora", query="Lumora"),
                            BrandConfig(name="Sonique", query="Sonique", competitor=True)])
    corpus = list(demo_mentions(n + new))
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        try:
            _load(store, corpus[:n])
            first = _pass(config, store)  # no centroids yet: a full clustering
            noop = _pass(config, store)
            _load(store, corpus[n:])
            added = _pass(config, store)
        finally:
            store.close()
    return {
        "mentions": n, "new": new, "backend": config.nlp.backend or "default", "cpu_count": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2), "first_pass_full": first, "noop_pass": noop,
        "pass_with_new": added,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=20_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--out", type=Path, help="Write the JSON result here (e.g. bench/results/...)")
    args = parser.parse_args(argv)
    result = run(args.mentions, args.new)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
