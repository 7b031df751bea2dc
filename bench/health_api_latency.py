"""/api/health latency at 60 brands × 6 sources on a real SQLite store: what every dashboard page load costs.

    .venv/bin/python bench/health_api_latency.py --mentions 105000

A throwaway copy of the shared n-mention benchmark store (`bench/_store.py`; the demo's brands, Lumora and Sonique,
hold the posts), a config of 60 brands (those two and 58 more) and 6 sources, and one health record per source ×
brand: one source refused every pass (401) for every brand, one gone quiet for every brand, the other four fine.
Times the rows alone (`collection_rows`: the state read, the rules, one newest-post search per brand) and real
requests through the app (FastAPI's TestClient): the first, uncached, then the following ones (served from the
dashboard's cache while it is fresh, `HEALTH_TTL_S`). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._store import copied_base  # noqa: E402

BRANDS = 60
SOURCES = ("hn-main", "hn-ask", "hn-show", "rss-news", "rss-blogs", "rss-forums")


def _ms(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {"p50_ms": round(statistics.median(samples) * 1000, 2),
            "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)] * 1000, 2), "n": len(samples)}


def _config():
    from groundswell.config import parse_config

    names = ["Lumora", "Sonique"] + [f"Brand{i:02d}" for i in range(3, BRANDS + 1)]
    sources = [{"type": "hackernews", "name": s} if s.startswith("hn") else
               {"type": "rss", "name": s, "options": {"urls": [f"http://127.0.0.1:9/{s}.xml"]}} for s in SOURCES]
    return parse_config({"brands": [{"name": n, "query": n} for n in names], "sources": sources})


def _records(store, config, now: datetime) -> None:
    from groundswell.health import source_key

    hour = (now - timedelta(hours=1)).isoformat()
    for source in config.sources:
        for brand in config.brands_for(source):
            record = {"source": source.key, "type": source.type, "brand": brand.name, "last_attempt": hour,
                      "last_success": hour, "items_ever": True, "last_items": 3, "newest_post": hour}
            if source.key == SOURCES[0]:
                record.update(last_success=None, consecutive_failures=4, last_items=0,
                              last_error="HTTPError: 401 Unauthorized")
            elif source.key == SOURCES[1]:
                record.update(zero_item_runs=5, last_items=0, newest_post=(now - timedelta(days=1)).isoformat())
            store.set_state(source_key(source.key, brand.name), json.dumps(record))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=105_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from dashboards.web.app import create_app
    from groundswell.health_check import collection_rows
    from groundswell.health_rules import STALE_POST_DAYS

    config = _config()
    with copied_base(args.mentions, "health-api-bench-") as store:
        now = datetime.now(UTC)
        _records(store, config, now)
        rows_alone = []
        for _ in range(max(5, args.requests // 5)):
            start = time.perf_counter()
            rows = collection_rows(config, store, datetime.now(UTC), None, STALE_POST_DAYS)
            rows_alone.append(time.perf_counter() - start)
        with TestClient(create_app(store, config), base_url="http://127.0.0.1") as client:
            start = time.perf_counter()
            first = client.get("/api/health")
            first_s = time.perf_counter() - start
            assert first.status_code == 200, first.text
            cached = []
            for _ in range(args.requests):
                start = time.perf_counter()
                assert client.get("/api/health").status_code == 200
                cached.append(time.perf_counter() - start)
        body = first.json()
    print(json.dumps({
        "mentions": args.mentions, "brands": BRANDS, "sources": len(SOURCES),
        "rows_before_grouping": BRANDS * len(SOURCES) + BRANDS, "rows_after_grouping": len(rows),
        "api_rows_not_ok": len(body["rows"]), "collection_rows": _ms(rows_alone),
        "api_first_ms": round(first_s * 1000, 2), "api_following": _ms(cached),
    }, indent=1))


if __name__ == "__main__":
    main()
