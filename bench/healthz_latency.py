"""/healthz latency (p50/p95) on a large SQLite store: what a load balancer's or Compose's probe costs.

    .venv/bin/python bench/healthz_latency.py --mentions 1000000

Reuses (or builds once) the store of `bench/dashboard_latency.py`, then times real requests through the app
(FastAPI's TestClient) and the probe alone (`groundswell.health_probe.probe_store`), and how long after the app
starts /healthz first answers 200 (its store thread is busy with the start-up scan until then). Prints one JSON
object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.dashboard_latency import open_sqlite  # noqa: E402


def _ms(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {"p50_ms": round(statistics.median(samples) * 1000, 2),
            "p95_ms": round(samples[int(len(samples) * 0.95) - 1] * 1000, 2), "n": len(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from dashboards.web.app import create_app
    from groundswell.config import BrandConfig
    from groundswell.health_probe import probe_store

    db = Path(os.environ.get("TMPDIR", "/tmp")) / "groundswell-bench" / f"dashboard-{args.mentions}.db"
    store = open_sqlite(db, args.mentions)
    probe = []
    for _ in range(args.requests):
        start = time.perf_counter()
        probe_store(store)
        probe.append(time.perf_counter() - start)
    http = []
    with TestClient(create_app(store, [BrandConfig(name="Acme", query="acme")], token="t" * 24)) as client:
        # At start the store thread scans the source and language lists (`warm_meta`): /healthz says busy (503)
        # until it is done. How long that takes is part of the report (a healthcheck's start period must cover it).
        start = time.perf_counter()
        while client.get("/healthz").status_code != 200:
            pass
        ready_s = time.perf_counter() - start
        for _ in range(args.requests):
            start = time.perf_counter()
            response = client.get("/healthz")
            assert response.status_code == 200, response.text
            http.append(time.perf_counter() - start)
    print(json.dumps({"mentions": args.mentions, "store_mb": round(db.stat().st_size / 1e6),
                      "probe": _ms(probe), "healthz": _ms(http), "ok_after_start_s": round(ready_s, 1)}))


if __name__ == "__main__":
    main()
