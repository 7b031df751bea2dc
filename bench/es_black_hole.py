"""Seconds until a clear error when the Elasticsearch store's node drops packets instead of refusing.

Two local black holes, no cluster needed:

* `read`: a TCP listener that accepts every connection and never answers (a node hung, or a firewall that lets
  the handshake through and drops the rest): the client's read timeout decides.
* `connect`: a listener with a full accept queue (backlog 0, never accepting, its one slot taken): Linux drops
  further SYNs, as a firewall that drops rather than refuses does, so connecting hangs: the connect timeout decides.

Each case opens the store the way every command does (`groundswell.pipeline.open_store` on a config naming the
address) and times it until it raises; prints one JSON line per case.

    .venv/bin/python bench/es_black_hole.py [--timeout-s 10] [--case read|connect|both]
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time

from groundswell.config import parse_config
from groundswell.pipeline import open_store


def _silent_listener() -> tuple[socket.socket, int]:
    """Accepts and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)  # kept open, never read or written

    threading.Thread(target=accept, daemon=True).start()
    return server, server.getsockname()[1]


def _syn_dropper() -> tuple[list[socket.socket], int]:
    """A listener whose accept queue is full: the kernel drops new SYNs (tcp_abort_on_overflow=0)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers: list[socket.socket] = []
    for _ in range(2):  # the queue holds backlog + 1 completed connections
        filler = socket.socket()
        filler.settimeout(1)
        try:
            filler.connect(("127.0.0.1", port))
        except OSError:
            break
        fillers.append(filler)
    return [server, *fillers], port


def measure(case: str, timeout_s: float | None) -> dict:
    holders, port = (_silent_listener() if case == "read" else _syn_dropper())
    store: dict = {"type": "elasticsearch", "url": f"http://127.0.0.1:{port}"}
    if timeout_s is not None:
        store["timeout_s"] = timeout_s
    config = parse_config({"brands": [{"name": "B", "query": "B"}], "store": store})
    started = time.monotonic()
    try:
        open_store(config).close()
        error = None
    except Exception as exc:  # noqa: BLE001 - what the user would see is the point
        error = f"{type(exc).__name__}: {str(exc)[:160]}"
    elapsed = time.monotonic() - started
    for sock in holders if isinstance(holders, list) else [holders]:
        sock.close()
    return {"case": case, "timeout_s": timeout_s, "seconds": round(elapsed, 1), "error": error}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout-s", type=float, default=None, help="store.timeout_s (default: the config's)")
    parser.add_argument("--case", choices=("read", "connect", "both"), default="both")
    args = parser.parse_args()
    for case in ("read", "connect") if args.case == "both" else (args.case,):
        print(json.dumps(measure(case, args.timeout_s)), flush=True)


if __name__ == "__main__":
    main()
