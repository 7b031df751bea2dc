"""The dashboard server's limits before the app runs (dashboards/web/server_limits.py, docs/security.md): an
oversized request line or header is refused at MAX_HEAD_BYTES while others are served, connections that stop
halfway through a request are closed, connections past the limit are refused with 503, and the token cookie is
Secure over HTTPS (from a trusted proxy's X-Forwarded-Proto) only. The s65 penetration test's findings, replayed
with raw sockets against a real uvicorn (in a thread with `serve`'s config, or the `serve` CLI itself) over the real
SQLite demo store; the timeouts are set short here, the numbers `serve` uses are the module's constants."""

from __future__ import annotations

import functools
import logging
import select
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
from live_server import live_server, raw_get
from serve_support import free_port, serve_env, serving
from web_support import demo_app, demo_db

from dashboards.web.auth import COOKIE
from dashboards.web.server_limits import MAX_HEAD_BYTES, server_config
from indexing.sqlite import SqliteStore

TOKEN = "correct-horse-battery-staple"
MIB = 1 << 20
HEADER_START = b"GET /api/meta HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: "  # then 1 MiB of header value
URL_START = b"GET /api/meta?q="  # then 1 MiB of query string


@pytest.fixture(scope="module")
def store() -> Iterator[SqliteStore]:
    store = SqliteStore(demo_db())
    yield store
    store.close()


def _limited(**limits: float) -> functools.partial:
    """`serve`'s uvicorn config (server_limits.server_config) with some limits changed, for live_server."""
    return functools.partial(server_config, log_level="warning", **limits)


@pytest.fixture(scope="module")
def port(store) -> Iterator[int]:
    """The dashboard with `serve`'s limits (short timeouts, so a test waits a second, not ten)."""
    with live_server(demo_app(store), _limited(head_timeout=1.0, body_timeout=1.0)) as port:
        yield port


def _healthz_seconds(port: int) -> float:
    start = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        assert response.status == 200
    return time.monotonic() - start


def _stream_head(port: int, start: bytes, size: int = MIB, chunk: int = 4096) -> tuple[bytes, int]:
    """Send `start` and then up to `size` bytes of 'A' in `chunk`s, reading between sends (a server that answers
    and closes early resets a connection still sending, which could drop its answer); (the answer's first bytes, or
    b'' when closed without one; how many bytes were sent, into the kernel's buffers at least)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(start)
        sent = 0
        try:
            while sent < size:
                if select.select([sock], [], [], 0)[0]:
                    return sock.recv(4096), sent
                sock.sendall(b"A" * chunk)
                sent += chunk
            sock.sendall(b"\r\n\r\n" if b"HTTP/1.1" in start else b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            return sock.recv(4096), sent
        except (ConnectionResetError, BrokenPipeError):
            return b"", sent


@pytest.mark.parametrize(("start", "status"), [(HEADER_START, 431), (URL_START, 414)], ids=["header", "url"])
def test_a_1_mib_head_is_refused_at_the_cap_while_healthz_answers(port, start, status):
    answers: list[tuple[bytes, int]] = []
    sender = threading.Thread(target=lambda: answers.append(_stream_head(port, start)))
    began = time.monotonic()
    sender.start()
    slowest = max(_healthz_seconds(port) for _ in range(5))  # while the head streams in
    sender.join(timeout=15)
    answer, sent = answers[0]
    # Refused before the app's 401 or 200. Under load the server's close can reset the connection while the client is
    # still sending, before it reads the answer (b""): refused too, as long as it stopped well short of the whole head.
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()) or (answer == b"" and sent < MIB), answer[:200]
    if answer:
        assert b"connection: close" in answer.lower() and f"over {MAX_HEAD_BYTES:,} bytes".encode() in answer
    assert time.monotonic() - began < 5
    assert slowest < 1.0
    assert _healthz_seconds(port) < 1.0


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True


def test_half_sent_requests_are_closed_after_the_head_timeout_and_others_are_served(port):
    began = time.monotonic()
    held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(200)]
    for sock in held:
        sock.sendall(b"GET /api/meta HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finished
    drip = socket.create_connection(("127.0.0.1", port), timeout=5)
    drip.sendall(b"GET /api/meta HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    try:
        assert _healthz_seconds(port) < 1.0  # a normal client meanwhile
        open_ = set(held) | {drip}
        deadline = began + 8
        while open_ and time.monotonic() < deadline:
            try:
                drip.sendall(b"X")  # a byte now and then does not extend the deadline
            except OSError:
                pass
            readable = select.select(list(open_), [], [], 0.2)[0]
            open_ -= {sock for sock in readable if _closed_by_server(sock)}
        assert not open_, f"{len(open_)} of 201 half-sent connections still open after 8 s (timeout: 1 s)"
        assert time.monotonic() - began > 0.9  # closed by the timeout, not at once
        assert _healthz_seconds(port) < 1.0
    finally:
        for sock in [*held, drip]:
            sock.close()


def test_an_unfinished_body_is_closed_after_the_body_timeout(port):
    # uvicorn's own logger (it does not reach pytest's caplog): a body cut short is no "Exception in ASGI application"
    errors: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.ERROR)
    handler.emit = errors.append  # type: ignore[method-assign]
    logging.getLogger("uvicorn.error").addHandler(handler)
    try:
        _cut_body(port)
    finally:
        logging.getLogger("uvicorn.error").removeHandler(handler)
    assert not errors, [r.getMessage() for r in errors]


def _cut_body(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /api/spam/not-spam HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n" + b'{"ids": ["')  # 10 of the 1,000 bytes announced
        began = time.monotonic()
        answer = b""
        try:
            while chunk := sock.recv(4096):
                answer += chunk
        except ConnectionResetError:
            pass
        assert 0.9 < time.monotonic() - began < 5, "the connection was not closed by the body timeout"
        assert not answer.startswith(b"HTTP/1.1 2"), answer[:200]
    assert _healthz_seconds(port) < 1.0


def test_connections_past_the_limit_are_refused_with_503(store):
    with live_server(demo_app(store), _limited(max_connections=20)) as port:
        held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(20)]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as extra:
                assert extra.recv(4096).startswith(b"HTTP/1.1 503 ")
        finally:
            for sock in held:
                sock.close()
        deadline = time.monotonic() + 5
        while raw_get(port, "/healthz")[0] != 200:  # the held ones' slots free as their closes arrive
            assert time.monotonic() < deadline, "still refused after the held connections closed"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def token_port(store) -> Iterator[int]:
    with live_server(demo_app(store, token=TOKEN), _limited(forwarded_allow_ips="127.0.0.1")) as port:
        yield port


@pytest.fixture(scope="module")
def untrusted_proxy_port(store) -> Iterator[int]:
    """The dashboard believing X-Forwarded-* from 10.9.9.9 only: these requests (from 127.0.0.1) are not its."""
    with live_server(demo_app(store, token=TOKEN), _limited(forwarded_allow_ips="10.9.9.9")) as port:
        yield port


def _token_cookie(port: int, headers: dict[str, str] | None = None) -> list[str]:
    status, answer, _ = raw_get(port, f"/overview?token={TOKEN}", headers)
    assert status == 303
    cookie = answer["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "httponly" in cookie.lower()
    return [part.strip().lower() for part in cookie.split(";")]


def test_the_token_cookie_is_secure_over_https_from_a_trusted_proxy_only(token_port, untrusted_proxy_port):
    assert "secure" in _token_cookie(token_port, {"X-Forwarded-Proto": "https"})
    assert "secure" not in _token_cookie(token_port)  # plain HTTP: or a browser would never send it back
    assert "secure" not in _token_cookie(untrusted_proxy_port, {"X-Forwarded-Proto": "https"})


def test_the_serve_command_refuses_a_1_mib_header(tmp_path):
    config = tmp_path / "groundswell.yaml"
    config.write_text(f"brands:\n  - name: Lumora\n    query: Lumora\nstore: {{type: sqlite, path: {demo_db()}}}\n",
                      encoding="utf-8")
    port = free_port()
    cmd = [sys.executable, "-m", "groundswell.cli", "serve", "-c", str(config), "--port", str(port), "--no-warm-faq"]
    with serving(cmd, port, serve_env(), "/healthz", timeout_s=2):
        answer, _ = _stream_head(port, HEADER_START)
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
        assert _healthz_seconds(port) < 1.0
