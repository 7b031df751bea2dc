"""What `serve`'s request limits cost: requests per second through a real uvicorn, as `serve` runs it (h11 parser,
dashboards/web/server_limits.py) and with uvicorn's defaults (the httptools parser where installed, no limits).

    .venv/bin/python bench/serve_parser.py --mentions 10000 --requests 2000 --rounds 3

Each round starts one server process per configuration (alternating, so load on the machine hits both alike) over
the same SQLite store of `bench/dashboard_latency.py` (built once), and sends `--requests` sequential requests per
path over one keep-alive connection. Prints one JSON object: per configuration and path, the median of the rounds.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._results import print_entry, run_entry  # noqa: E402

PATHS = ["/healthz", "/api/meta"]
CONFIGS = ["uvicorn-defaults", "serve"]


def _serve(config: str, port: int, db: Path) -> None:
    """The child process: the dashboard over `db` on `port` with `config`'s uvicorn settings, until killed."""
    import uvicorn

    from dashboards.web import views
    from dashboards.web.app import create_app
    from dashboards.web.server_limits import server_config
    from indexing.sqlite import SqliteStore

    app = create_app(SqliteStore(db), [views.BrandInfo("Lumora"), views.BrandInfo("Sonique", competitor=True)],
                     alert_loader=list, warm_faq=False)
    options = {"log_level": "warning", "server_header": False}
    made = (server_config(app, "127.0.0.1", port, **options) if config == "serve"
            else uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    made.load()
    print(f"{config}: {made.http_protocol_class.__name__}", file=sys.stderr, flush=True)
    uvicorn.Server(made).run()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rate(port: int, path: str, n: int) -> float:
    """Requests per second: `n` sequential GETs of `path` over one keep-alive connection (after 50 unmeasured)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for i in range(n + 50):
            if i == 50:
                start = time.perf_counter()
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200, (path, response.status)
        return n / (time.perf_counter() - start)
    finally:
        conn.close()


def _round(config: str, db: Path, n: int) -> dict[str, float]:
    port = _free_port()
    child = subprocess.Popen([sys.executable, __file__, "--serve", config, "--port", str(port), "--db", str(db)])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert child.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        return {path: _rate(port, path, n) for path in PATHS}
    finally:
        child.terminate()
        child.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", choices=CONFIGS, help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve, args.port, args.db)
        return
    from bench.dashboard_latency import open_sqlite

    db = Path(os.environ.get("TMPDIR", "/tmp")) / "groundswell-bench" / f"dashboard-{args.mentions}.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    open_sqlite(db, args.mentions).close()
    rates: dict[str, dict[str, list[float]]] = {c: {p: [] for p in PATHS} for c in CONFIGS}
    for _ in range(args.rounds):
        for config in CONFIGS:
            for path, rate in _round(config, db, args.requests).items():
                rates[config][path].append(rate)
    figures = {c: {p: round(statistics.median(r)) for p, r in by_path.items()} for c, by_path in rates.items()}
    cost = {p: f"{1 - figures['serve'][p] / figures['uvicorn-defaults'][p]:.0%}" for p in PATHS}
    print_entry(run_entry("bench/serve_parser.py", None, {"requests_per_s": figures, "serve_slower_by": cost,
                                                          "rounds": args.rounds, "requests": args.requests}), None)


if __name__ == "__main__":
    main()
