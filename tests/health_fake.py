"""A fake Hacker News API and webhook receiver on a local port, for the health records' tests: one source refused
every run, one that brings a story or goes quiet, a receiver that is down. Import as
`from health_fake import serving` (tests/ is on sys.path through tests/conftest.py)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def server_age(server) -> int:
    """How old (seconds) the story /hn-news lists is: `server.story_age`, 30 hours unless set (older than
    ZERO_RUNS_QUIET, so passes that bring nothing after it read as a source gone quiet; younger than the 2-day
    stale-brand mark)."""
    return getattr(server, "story_age", 30 * 3600)


class FakeHandler(BaseHTTPRequestHandler):
    """/hn-401: 401 always. /hn-news: one Acme story (`server_age` old) while `server.news` is set, else 200 with
    no hits.
    POST anything: the server's `hook_status` (500: a receiver that is down)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path.startswith("/hn-401"):
            return self._send(401, {"message": "Invalid credentials"})
        hits = []
        if self.server.news:  # type: ignore[attr-defined]
            hits = [{"objectID": "41", "title": "Acme ships a phone", "author": "a", "_tags": ["story"],
                     "created_at_i": int(time.time()) - server_age(self.server)}]
        return self._send(200, {"hits": hits, "nbPages": 1 if hits else 0, "page": 0})

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(self.server.hook_status, {})  # type: ignore[attr-defined]

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving() -> Iterator[ThreadingHTTPServer]:
    """The fake on 127.0.0.1 (`server_port`), with news on and the receiver answering 500."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHandler)
    server.news, server.hook_status = True, 500  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
