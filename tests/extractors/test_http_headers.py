"""`HttpClient.get`/`get_json(headers=...)`: a request's own headers reach the server, merged over the session's,
and never reach an error message or a log line, even when the server echoes them back in a 401."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from extractors.errors import SourceError
from extractors.http import HttpClient, RetryPolicy

TOKEN = "tok-3f9a1c77e2d54b0b"


class _EchoServer:
    """A real server on 127.0.0.1 that keeps each request's headers; /private answers 401 quoting them, as some
    servers do in their error bodies."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                headers = dict(self.headers.items())
                server.seen.append(headers)
                status = 401 if self.path.startswith("/private") else 200
                body = json.dumps({"error": "bad token", "you_sent": headers} if status == 401 else {"ok": True})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def echo() -> Iterator[_EchoServer]:
    server = _EchoServer()
    yield server
    server.httpd.shutdown()


def _client() -> HttpClient:
    return HttpClient(RetryPolicy(attempts=2, sleep=lambda _s: None))


def test_the_headers_of_a_request_reach_the_server_beside_the_sessions(echo):
    client = _client()
    assert client.get_json(f"{echo.base}/api", {"q": "acme"}, headers={"Authorization": f"Bearer {TOKEN}"}) == {
        "ok": True}
    sent = echo.seen[-1]
    assert sent["Authorization"] == f"Bearer {TOKEN}"
    assert sent["User-Agent"] == client.session.headers["User-Agent"]  # the session's own are kept
    client.get(f"{echo.base}/api")
    assert "Authorization" not in echo.seen[-1]  # per request: the next one goes without
    assert "Authorization" not in client.session.headers


@pytest.mark.parametrize("method", ["get", "get_json"])
def test_a_401_echoing_the_header_never_repeats_it(echo, caplog, method):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceError) as err:
        getattr(_client(), method)(f"{echo.base}/private", what="forum acme",
                                   headers={"Authorization": f"Bearer {TOKEN}"})
    message = str(err.value)
    assert echo.seen[-1]["Authorization"] == f"Bearer {TOKEN}"  # it did arrive, and came back in the body
    assert message.startswith("forum acme: not authorised (401)") and "bad token" in message
    assert TOKEN not in message
    assert TOKEN not in caplog.text
