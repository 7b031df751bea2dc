"""Helpers for extractor tests: a real local HTTP server, a fake clock, a dict state, a collection loop."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (longer than the client timeout = a timeout)
    drop: bool = False  # close the connection without answering ("server disconnected")

    def payload(self) -> bytes:
        if isinstance(self.body, dict | list):
            return json.dumps(self.body).encode()
        return self.body.encode() if isinstance(self.body, str) else self.body


class LocalServer:
    """A real HTTP server on 127.0.0.1. Queue replies per path; every request is logged."""

    def __init__(self) -> None:
        self.routes: dict[object, list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                parts = urlsplit(self.path)
                path = parts.path.rstrip("/") or "/"  # '/r/x/comments/' and '/r/x/comments' alike
                params = dict(parse_qsl(parts.query))
                server.requests.append((path, params))
                queue = server.routes.get((path, frozenset(params.items()))) or server.routes.get(path)
                reply = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else Reply(404, {"error": "no route"})
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return  # nothing written: the client sees the connection closed before a response
                body = reply.payload()
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/json", **reply.headers}
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self.do_GET()

            def log_message(self, *args):  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def route(self, path: str, *replies: Reply, params: dict[str, str] | None = None) -> None:
        """Answer `path` (only with exactly these query `params`, if given) with these replies in order.

        The last reply repeats.
        """
        self.routes[(path, frozenset(params.items())) if params is not None else path] = list(replies)

    def reset(self) -> None:
        self.routes.clear()
        self.requests.clear()


class FakeClock:
    """Injectable clock + sleep: tests see every wait without waiting."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class DictState:
    """The tiny get_state/set_state a store offers, in a dict."""

    def __init__(self):
        self.data: dict[str, str] = {}

    def get_state(self, key):
        return self.data.get(key)

    def set_state(self, key, value):
        self.data[key] = value


def run_collection(extractor, store, source_key: str, brand: str, query: str, window=None):
    """What groundswell.pipeline.collect_one does: store each batch, then save its cursor.

    Returns (mentions stored this run, batches). Stops (cursor not advanced) on a failed write.
    """
    from extractors.base import Window
    from extractors.state import CursorState

    cursors = CursorState(store)
    extractor.bind(store, source_key)
    stored, batches = 0, []
    for batch in extractor.extract(brand, query, cursors.get(source_key, brand), window or Window()):
        batches.append(batch)
        results = list(store.upsert(batch.mentions))
        stored += sum(r.ok for r in results)
        if not all(r.ok for r in results):
            break
        if batch.cursor is not None:
            cursors.set(source_key, brand, batch.cursor)
    return stored, batches


def run_own_collection(extractor, store, key: str, accounts: list[str], window=None, crash: bool = False) -> int:
    """What groundswell.pipeline.collect_one does for own accounts (brand "acme", cursor `key` under brand "b"):
    store each batch, then save its cursor. `crash`: stop before the cursor batch (the process died after
    storing the pages). Returns the posts yielded."""
    from extractors.base import Window  # lazy: as run_collection
    from extractors.state import CursorState  # lazy: as above

    cursors, read = CursorState(store), 0
    for batch in extractor.own_posts("b", "acme", accounts, cursors.get(key, "b"), window or Window()):
        read += len(batch.mentions)
        assert all(r.ok for r in store.upsert(batch.mentions))
        if batch.cursor is not None:
            if crash:
                break
            cursors.set(key, "b", batch.cursor)
    return read


def own_cursor(store, key: str) -> dict:
    """The own-accounts cursor `run_own_collection` saved under `key`, decoded."""
    return json.loads(store.get_state(f"cursor:{key}:b"))


# -- X v2 search bodies (tests/extractors/test_x_backlog.py, test_reach_back.py) ----------------------------
X_ARCHIVE = "/2/tweets/search/all"
X_T0 = datetime(2025, 6, 1, 10, tzinfo=UTC)  # older than recent search reaches: those tests read the archive


def x_tweet(minute: int) -> dict:
    """A v2 tweet `minute` minutes after X_T0, its id the snowflake of that time."""
    from extractors.x import snowflake_at

    when = X_T0 + timedelta(minutes=minute)
    return {"id": str(int(snowflake_at(when)) + 7), "text": f"acme tweet {minute}",
            "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
