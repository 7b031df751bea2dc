"""Elasticsearch store benchmark: bulk throughput (our path vs a plain helpers.bulk loop) and query latency.

    .venv/bin/python bench/es_bulk.py --n 100000                 # starts a test node (tests/es_node.py)
    GROUNDSWELL_ES_URL=http://localhost:9200 .venv/bin/python bench/es_bulk.py --n 1000000

Prints the result; writes it only with an explicit --out (the committed figures: bench/results/es_bulk.json
and es_bulk_1m.json). Same synthetic mentions, same node, a fresh index prefix per run, runs in
ABBA order (`--repeat` rounds), median docs/s per path:
- `store_upsert`: ElasticsearchStore.upsert (streaming_bulk, 500-doc chunks, retries, per-document results,
  the keep-enrichment mget, one refresh at the end);
- `plain_bulk`: helpers.bulk over the same documents, 500-doc chunks, no retries, errors raised, no results.
Then p50/p95 latency of the dashboard's queries on the `store_upsert` data. A warm-up load runs first;
the machine's load average is recorded, since a shared machine's other work moves these numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from core.mention import Author, Engagement, Mention, Sentiment  # noqa: E402

WORDS = {
    "en": "battery screen refund support slow great love broken update price camera overheating".split(),
    "ru": "батарея экран возврат поддержка медленно отлично люблю сломан цена камера".split(),
    "it": "batteria schermo rimborso assistenza lento ottimo adoro rotto prezzo fotocamera".split(),
    "zh": "电池 屏幕 退款 客服 很慢 很好 喜欢 坏了 价格 相机".split(),
    "ko": "배터리 화면 환불 고객센터 느려요 좋아요 사랑해요 고장 가격 카메라".split(),
}
THEMES = ["battery", "support", "price", "camera", "shipping", "update"]


def corpus(n: int, seed: int = 1) -> list[Mention]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        lang = rng.choice(list(WORDS))
        words = rng.choices(WORDS[lang], k=rng.randint(6, 20))
        label = rng.choice(["negative", "neutral", "positive"])
        out.append(
            Mention(
                source=rng.choice(["x", "reddit", "mastodon", "bluesky", "hn"]),
                native_id=str(i),
                text=f"{rng.choice(['Acme', 'Globex'])} " + " ".join(words),
                created_at=start + timedelta(seconds=int(i * 180 * 86400 / max(n, 1))),  # ~6 months
                author=Author(handle=f"user{rng.randrange(5000)}", followers=rng.randrange(100000)),
                engagement=Engagement(likes=rng.randrange(500), reposts=rng.randrange(50)),
                brand=rng.choice(["acme", "globex"]),
                lang=lang,
                sentiment=Sentiment(label=label, probs={label: 0.9}, model="bench"),
                themes=rng.sample(THEMES, rng.randint(0, 2)),
            )
        )
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 2),
        "runs": len(ordered),
    }


def node_url() -> tuple[str, object | None]:
    """($GROUNDSWELL_ES_URL, None), or a test node started here (tests/es_node.py) and stopped at exit."""
    url = os.environ.get("GROUNDSWELL_ES_URL")
    if url:
        return url, None
    import atexit

    import es_node

    node = es_node.EsNode(es_node.distribution_home(), es_node.find_java_home())
    atexit.register(node.cleanup)  # never leave a node behind, whatever fails below
    node.start()
    return node.url, node


def node_label(url: str, node: object | None) -> str:
    """What the result JSON says about the node: never a URL's user:password (it is committed)."""
    if node is not None:
        return "tests/es_node.py (512m heap)"
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 9200}"


def result_header(script: str, argv: list[str] | None, client, url: str, node: object | None, mentions: int) -> dict:
    """What every Elasticsearch bench result starts with: its command, when, the machine and the node."""
    return {
        "command": f"python bench/{script} " + " ".join(argv if argv is not None else sys.argv[1:]),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "elasticsearch": node_version(client),
        "node": node_label(url, node),
        "mentions": mentions,
    }


def write_result(result: dict, out: Path | None) -> None:
    """Print the result and, with --out, write it there as the committed JSON."""
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def node_version(client) -> str:
    """The server's version: GET / is not served by the integ-test distribution; the nodes API says it everywhere."""
    return next(iter(client.nodes.info(filter_path="nodes.*.version").body["nodes"].values()))["version"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="mentions to index per path")
    parser.add_argument("--runs", type=int, default=30, help="repetitions per query")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain helpers.bulk comparison")
    parser.add_argument("--repeat", type=int, default=1, help="ABBA rounds of the throughput comparison")
    parser.add_argument("--out", type=Path, default=None, help="Also write it here: bench/results/es_bulk.json")
    args = parser.parse_args(argv)

    from elasticsearch import Elasticsearch, helpers

    from indexing.base import Filters
    from indexing.elasticsearch import ElasticsearchStore
    from indexing.elasticsearch_mapping import month_index, to_document

    url, node = node_url()
    client = Elasticsearch(url, request_timeout=120)
    mentions = corpus(args.n)
    prefixes = {p: f"bench-{p}-{uuid.uuid4().hex[:6]}" for p in ("store", "plain")}
    result: dict = result_header("es_bulk.py", argv, client, url, node, args.n)
    prefixes["warmup"] = f"bench-warmup-{uuid.uuid4().hex[:6]}"
    try:
        # Warm the node's JIT and caches first, so neither measured path pays for a cold start.
        warm = ElasticsearchStore(url, index_prefix=prefixes["warmup"], request_timeout=120)
        list(warm.upsert(corpus(min(args.n, 50_000), seed=2)))
        result["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
        from es_node import delete_prefix

        def store_path(prefix: str) -> dict:
            target = ElasticsearchStore(url, index_prefix=prefix, request_timeout=120)
            t = time.perf_counter()
            failed = sum(1 for r in target.upsert(mentions) if not r.ok)
            took = time.perf_counter() - t
            return {"seconds": round(took, 2), "docs_per_s": round(args.n / took), "failed": failed}

        def plain_path(prefix: str) -> dict:
            ElasticsearchStore(url, index_prefix=prefix)  # same template as the store path
            t = time.perf_counter()
            ok, _ = helpers.bulk(
                client,
                (
                    {"_index": month_index(prefix, m.created_at), "_id": m.id, "_source": to_document(m)}
                    for m in mentions
                ),
                chunk_size=500,
            )
            client.indices.refresh(index=f"{prefix}-mentions")
            took = time.perf_counter() - t
            return {"seconds": round(took, 2), "docs_per_s": round(args.n / took), "indexed": ok}

        # ABBA order (store, plain, plain, store, ...): background merges of one run and drift in the
        # machine's load hit both paths alike. Each run writes a fresh prefix; the last store copy stays.
        order = ["store"] if args.no_plain else ["store", "plain", "plain", "store"] * args.repeat
        runs: dict[str, list[dict]] = {"store": [], "plain": []}
        for i, path in enumerate(order):
            prefix = f"{prefixes[path]}-{i}"
            runs[path].append((store_path if path == "store" else plain_path)(prefix))
            if i < len(order) - 1 or path != "store":
                delete_prefix(client, prefix)
            else:
                prefixes["store"] = prefix
        for path, name in (("store", "store_upsert"), ("plain", "plain_bulk")):
            if runs[path]:
                result[name] = {
                    "median_docs_per_s": round(statistics.median(r["docs_per_s"] for r in runs[path])),
                    "runs": runs[path],
                }
        store = ElasticsearchStore(url, index_prefix=prefixes["store"], request_timeout=120)
        delete_prefix(client, prefixes["warmup"])

        week = Filters(brand="acme", since=datetime(2026, 3, 1, tzinfo=UTC), until=datetime(2026, 3, 8, tzinfo=UTC))
        queries = {
            "histogram_hour_week": lambda: store.histogram(week, "hour"),
            "histogram_day_all": lambda: store.histogram(Filters(brand="acme"), "day"),
            "facet_lang": lambda: store.facet(Filters(brand="acme"), "lang"),
            "share_of_voice": lambda: store.facet(Filters(), "brand"),
            "top_themes": lambda: store.top_themes(Filters(brand="acme")),
            "top_authors": lambda: store.top_authors(Filters(brand="acme")),
            "search_page1": lambda: store.search(Filters(brand="acme", sentiment="negative"), size=20),
            "search_text": lambda: store.search(Filters(text="refund OR 退款 OR 환불"), size=20),
            "significant_terms_week": lambda: store.significant_terms(week, Filters(brand="acme")),
        }
        latency = {}
        for name, run in queries.items():
            run()  # warm-up
            samples = []
            for _ in range(args.runs):
                t = time.perf_counter()
                run()
                samples.append(time.perf_counter() - t)
            latency[name] = percentiles(samples)
        result["query_latency"] = latency
        result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        from es_node import delete_prefix

        for prefix in prefixes.values():
            delete_prefix(client, prefix)
        client.close()
        if node:
            node.cleanup()
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
