"""Dashboard request latency (p50/p95) on a large store: Overview and Explore.

    .venv/bin/python bench/dashboard_latency.py --mentions 1000000
    .venv/bin/python bench/dashboard_latency.py --mentions 1000000 --es-url http://127.0.0.1:9200

Builds (once, then reuses) a store with N demo-shaped mentions over a year
(`bench/dashboard_data.py`), then times real HTTP requests through the app
(FastAPI's TestClient: routing, validation, JSON included) and, to show where
the time goes, each store call an overview request makes (recorded from the
request itself, then timed alone). Targets (issue 8): p95 under 300 ms for an
overview, under 150 ms for a filtered search page.
Lumora has the demo's own account, so an overview computes its replies tile (alerts.response) as a configured
brand's does; --no-own-accounts leaves it out (the committed dashboard_latency_sqlite.json / _es.json predate it).
Prints the report; writes it only with an explicit --out (the committed figures are
bench/results/dashboard_latency_sqlite.json and dashboard_latency_es.json, from --mentions 1000000; with the tile,
dashboard_latency_sqlite_replies_1m.json and dashboard_latency_sqlite_200k_replies.json).
"""

from __future__ import annotations

import argparse
import inspect
import itertools
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._results import write_report  # noqa: E402
from bench.dashboard_data import mentions as bench_mentions  # noqa: E402

TARGETS_MS = {"overview": 300, "search": 150}
# The demo's own account (groundswell/demo.py): with it the overview computes its replies tile (alerts.response), as
# for any brand that names own accounts; --no-own-accounts measures the overview without it (figures before s65).
OWN_ACCOUNTS = {"x": ["@demo_LumoraCare"]}


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(q[94], 1),
        "max_ms": round(ordered[-1], 1),
        "n": len(ordered),
    }


def _time(fn: Callable[[], object], repeat: int, warmup: int = 2) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return _percentiles(samples)


class Recording:
    """The store, recording the method calls made through it while `on`: which store calls a request really
    makes, so the breakdown times those, not a hand-kept list that goes stale as the overview grows."""

    def __init__(self, store) -> None:
        self.store = store
        self.on = False
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name: str):
        value = getattr(self.store, name)
        if not callable(value) or name.startswith("_"):
            return value

        def call(*args, **kwargs):
            if self.on:
                self.calls.append((name, args, kwargs))
            return value(*args, **kwargs)

        return call


def _call_label(name: str, args: tuple, kwargs: dict, brand: str, since: datetime) -> str:
    """A recorded call, named for the breakdown: method (facet field), and whose mentions when not the
    selected brand's in the request's own period."""
    from indexing.base import Filters  # lazy: as the bench's other imports of the store

    f = next((a for a in (*args, *kwargs.values()) if isinstance(a, Filters)), None)
    label = f"facet_{args[1]}" if name == "facet" and len(args) > 1 else name
    if f is not None:
        if f.brands:
            label += f" [{', '.join(f.brands)}]"
        elif f.brand != brand:
            label += f" [{f.brand or 'every brand'}]"
        if f.since is not None and f.since < since:
            label += " (previous period)"
        if f.include_spam:
            label += " (spam included)"
    return label


def _replay(store, name: str, args: tuple, kwargs: dict) -> None:
    result = getattr(store, name)(*args, **kwargs)
    if inspect.isgenerator(result):
        list(result)


def overview_calls(client, recording: Recording, store, params: dict, repeat: int) -> dict[str, object]:
    """Each store call one overview request makes, timed alone; and the sum of their p50s."""
    recording.calls, recording.on = [], True
    try:
        response = client.get("/api/overview", params=params)
    finally:
        recording.on = False
    response.raise_for_status()
    since = datetime.fromisoformat(response.json()["period"]["since"])
    parts: dict[str, object] = {}
    for name, args, kwargs in recording.calls:
        label = base = _call_label(name, args, kwargs, params["brand"], since)
        for i in itertools.count(2):
            if label not in parts:
                break
            label = f"{base} #{i}"  # the same call twice in one request: each one listed
        parts[label] = _time(lambda n=name, a=args, k=kwargs: _replay(store, n, a, k), max(5, repeat // 3), warmup=1)
    return parts


def open_sqlite(path: Path, n: int):
    from indexing.sqlite import SqliteStore

    store = SqliteStore(path)
    built = store.get_state("bench:dashboard:mentions")
    if built != str(n):
        print(f"building {path} with {n:,} mentions (once; reused afterwards)...", flush=True)
        start = time.perf_counter()
        failed = sum(1 for r in store.upsert(bench_mentions(n), chunk_size=2000) if not r.ok)
        store.set_state("bench:dashboard:mentions", str(n))
        store.vacuum()
        print(f"built in {time.perf_counter() - start:.0f} s ({failed} failed writes)", flush=True)
    return store


def fts_segments(store) -> int:
    """Segments of a SQLite store's FTS index (1 once merged: `SqliteStore.vacuum`, or the upgrade to FTS_VERSION 7);
    each segment has at least one row, its first leaf page, in the index's %_idx table."""
    return store._conn().execute("SELECT count(DISTINCT segid) FROM mentions_fts_idx").fetchone()[0]


def open_es(url: str, n: int):
    from indexing.elasticsearch import ElasticsearchStore

    store = ElasticsearchStore(url, index_prefix="gs-bench-dashboard", refresh_after_write=False)
    if store.get_state("bench:dashboard:mentions") != str(n):
        print(f"indexing {n:,} mentions into {url} (once)...", flush=True)
        start = time.perf_counter()
        failed = sum(1 for r in store.upsert(bench_mentions(n)) if not r.ok)
        store.client.indices.refresh(index=store.alias)
        store.set_state("bench:dashboard:mentions", str(n))
        print(f"indexed in {time.perf_counter() - start:.0f} s ({failed} failed writes)", flush=True)
    return store


def run(store, repeat: int, own_accounts: bool = True) -> dict[str, object]:
    from types import SimpleNamespace

    from fastapi.testclient import TestClient

    from dashboards.web.app import create_app
    from indexing.base import Filters

    # As a config's brands read (name, competitor, own_accounts, response_goal_minutes: dashboards/web/replies.py).
    own = OWN_ACCOUNTS if own_accounts else None
    brands = [SimpleNamespace(name="Lumora", competitor=False, market=None, own_accounts=own, response_goal_minutes=30),
              SimpleNamespace(name="Sonique", competitor=True, market=None, own_accounts=None)]
    recording = Recording(store)  # records nothing until the breakdown below turns it on
    app = create_app(recording, brands, alert_loader=list)
    results: dict[str, object] = {}
    with TestClient(app, base_url="http://127.0.0.1") as client:  # no token: loopback Host only

        def get(url: str, **params: object) -> dict:
            response = client.get(url, params=params)
            response.raise_for_status()
            return response.json()

        requests = {
            "overview_7d": ("overview", "/api/overview", {"brand": "Lumora", "days": 7}),
            "overview_30d": ("overview", "/api/overview", {"brand": "Lumora", "days": 30}),
            "overview_90d": ("overview", "/api/overview", {"brand": "Lumora", "days": 90}),
            # the needs-reply queue (not an overview request; its figures beside the overview's target for scale)
            "replies_30d": ("overview", "/api/replies", {"brand": "Lumora", "days": 30}),
            "search_filtered": (
                "search",
                "/api/search",
                {"brand": "Lumora", "sentiment": "negative", "lang": "en", "days": 30, "size": 20},
            ),
            "search_query": (
                "search",
                "/api/search",
                {"q": "battery AND (overheating OR charging)", "brand": "Lumora", "days": 30, "size": 20},
            ),
            "search_unfiltered_newest": ("search", "/api/search", {"size": 20}),
        }
        for name, (kind, url, params) in requests.items():
            stats = _time(lambda url=url, params=params: get(url, **params), repeat)
            stats["target_p95_ms"] = TARGETS_MS[kind]
            stats["meets_target"] = stats["p95_ms"] < TARGETS_MS[kind]
            results[name] = stats
            print(f"{name:28s} p50 {stats['p50_ms']:8.1f} ms   p95 {stats['p95_ms']:8.1f} ms", flush=True)

        # Deep paging: the 50th page of a filtered search (cursor from the 49th).
        params = {"brand": "Lumora", "sentiment": "negative", "size": 20}
        cursor = None
        for _ in range(49):
            cursor = get("/api/search", **params, **({"cursor": cursor} if cursor else {}))["next_cursor"]
        stats = _time(lambda: get("/api/search", **params, cursor=cursor), repeat)
        stats["target_p95_ms"] = TARGETS_MS["search"]
        stats["meets_target"] = stats["p95_ms"] < TARGETS_MS["search"]
        results["search_page_50"] = stats
        print(f"{'search_page_50':28s} p50 {stats['p50_ms']:8.1f} ms   p95 {stats['p95_ms']:8.1f} ms", flush=True)

        # Where an overview's time goes: each store call one request makes (as recorded), alone. The newest
        # mention that anchors a preset period is cached for 30 s (views.NewestMention): not called here.
        for days in (7, 30):
            parts = overview_calls(client, recording, store, {"brand": "Lumora", "days": days}, repeat)
            results[f"overview_{days}d_store_calls"] = parts
            total = round(sum(v["p50_ms"] for v in parts.values()), 1)
            results[f"overview_{days}d_store_calls_p50_sum_ms"] = total
            print(f"  overview, {days} days: {len(parts)} store calls, p50s summing to {total:.1f} ms", flush=True)
            for k, v in parts.items():
                print(f"    store.{k:50s} p50 {v['p50_ms']:8.1f} ms   p95 {v['p95_ms']:8.1f} ms", flush=True)

        # The store calls a search makes that cost most (its total; the newest post of a default period).
        period = get("/api/overview", brand="Lumora", days=7)["period"]
        f = Filters(
            brand="Lumora",
            since=datetime.fromisoformat(period["since"]),
            until=datetime.fromisoformat(period["until"]),
        )
        parts = {
            "count": lambda: store.count(f),
            "count_with_query": lambda: store.count(f.replace(text="battery AND (overheating OR charging)")),
            "newest_one_for_default_period": lambda: store.search(Filters(brand="Lumora"), size=1, sort="newest"),
        }
        results["search_7d_store_calls"] = {k: _time(fn, max(5, repeat // 3), warmup=1) for k, fn in parts.items()}
        for k, v in results["search_7d_store_calls"].items():
            print(f"  store.{k:52s} p50 {v['p50_ms']:8.1f} ms   p95 {v['p95_ms']:8.1f} ms", flush=True)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30, help="Timed requests per kind (at least 2: p95 needs two)")
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="SQLite file to build or reuse (default: $TMPDIR/groundswell-bench/dashboard-<N>.db)",
    )
    parser.add_argument("--es-url", default=None, help="Benchmark Elasticsearch at this URL instead of SQLite")
    parser.add_argument("--no-own-accounts", action="store_true",
                        help="Lumora without own accounts: the overview without its replies tile")
    parser.add_argument(
        "--out", type=Path, default=None, help="Also write it here: bench/results/dashboard_latency_{sqlite,es}.json"
    )
    args = parser.parse_args(argv)
    if args.repeat < 2:
        parser.error("--repeat must be at least 2 (a p95 needs two samples)")

    shape: dict[str, int] = {}
    if args.es_url:
        store = open_es(args.es_url, args.mentions)
        label = "elasticsearch"
    else:
        db = args.db or Path(os.environ.get("TMPDIR", "/tmp")) / "groundswell-bench" / f"dashboard-{args.mentions}.db"
        store = open_sqlite(db, args.mentions)
        store._conn().execute("ANALYZE")  # fresh planner statistics, as `groundswell maintain` leaves them
        label = "sqlite"
        # A text query reads one doclist per trigram and per FTS segment: a store left in pieces (as the version 6
        # upgrade left the 1M bench store: 11) searches far slower, so the figures say which index they measured.
        shape = {"fts_segments": fts_segments(store)}
        print(f"FTS index: {shape['fts_segments']} segment(s)", flush=True)
    load_before = os.getloadavg()  # the machine may be shared: how busy it was is part of the figures
    try:
        total = store.count()
        results = run(store, args.repeat, own_accounts=not args.no_own_accounts)
    finally:
        store.close()
    load_after = os.getloadavg()
    report = {
        "benchmark": "dashboard_latency",
        "store": label,
        "variant": "as shipped" if not args.no_own_accounts else "no own accounts (no replies tile)",
        "own_accounts": None if args.no_own_accounts else OWN_ACCOUNTS,
        "mentions": total,
        "repeat": args.repeat,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in load_after]},
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        **({"store_shape": shape} if shape else {}),
        "targets_p95_ms": TARGETS_MS,
        "results": results,
    }
    print(json.dumps(report))
    write_report(args.out, report)


if __name__ == "__main__":
    main()
