"""A fast search's latency while another analyst's heavy request runs (dashboards/web/runner.py's lanes).

    .venv/bin/python bench/dashboard_contention.py -c /path/to/groundswell.yaml --seconds 60
    .venv/bin/python bench/dashboard_contention.py -c /path/to/groundswell.yaml --seconds 60 --one-thread

Serves the dashboard over the config's store with a real uvicorn on 127.0.0.1, then probes a filtered search (the
scale review's probe: `--probe`) every 0.2 s: first alone (`--baseline` probes), then for `--seconds` while one
client sends the heavy request (`--heavy`, default a 90-day overview of the first brand) again and again.
`--one-thread` runs every store call on one thread, as the dashboard did before the lanes (the "before" figure).
Reads the store only. Prints one JSON object (p50/p95/max in ms of each phase, heavy requests finished).
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dashboards.web.app import create_app  # noqa: E402
from dashboards.web.runner import StoreRunner  # noqa: E402
from groundswell.config import load_config  # noqa: E402
from groundswell.pipeline import open_store  # noqa: E402


def _get(port: int, path: str) -> tuple[int, float]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - start
    finally:
        conn.close()


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=100, method="inclusive")[94] if len(ordered) > 1 else ordered[0]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1), "n": len(ordered)}


def _probe(port: int, path: str, until: float | None, count: int | None) -> list[float]:
    took: list[float] = []
    while (until is None or time.monotonic() < until) and (count is None or len(took) < count):
        status, seconds = _get(port, path)
        if status != 200:
            raise SystemExit(f"the probe {path} answered {status}")
        took.append(seconds)
        time.sleep(0.2)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--baseline", type=int, default=30)
    parser.add_argument("--probe", default=None, help="default: /api/search?brand=<first>&days=30&lang=de&"
                                                      "sentiment=negative")
    parser.add_argument("--heavy", default=None, help="default: /api/overview?brand=<first>&days=90")
    parser.add_argument("--one-thread", action="store_true", help="every store call on one thread (before the lanes)")
    args = parser.parse_args()

    import uvicorn  # lazy: the bench's server, loaded after the arguments are checked

    config = load_config(args.config)
    brand = config.brands[0].name
    probe = args.probe or f"/api/search?brand={brand}&days=30&lang=de&sentiment=negative"
    heavy = args.heavy or f"/api/overview?brand={brand}&days=90"
    if args.one_thread:
        StoreRunner.for_store = classmethod(lambda cls, store: cls(one_thread=True))  # type: ignore[method-assign]
    store = open_store(config)
    app = create_app(store, config)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    _get(port, "/api/meta")  # after the start-up scan of the source and language lists
    alone = _probe(port, probe, None, args.baseline)

    stop = threading.Event()
    heavy_s: list[float] = []

    def load() -> None:
        while not stop.is_set():
            status, seconds = _get(port, heavy)
            if status != 200:
                raise SystemExit(f"the heavy request {heavy} answered {status}")
            heavy_s.append(seconds)

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    time.sleep(0.5)  # the heavy request is in the store by now
    during = _probe(port, probe, time.monotonic() + args.seconds, None)
    stop.set()
    loader.join()
    server.should_exit = True
    print(json.dumps({"one_thread": args.one_thread, "probe": probe, "heavy": heavy,
                      "probe_alone": _ms(alone), "probe_during_heavy": _ms(during),
                      "heavy_finished": len(heavy_s), "heavy_s": [round(s, 1) for s in heavy_s]}))


if __name__ == "__main__":
    main()
