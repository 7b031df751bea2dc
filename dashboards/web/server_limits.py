"""How `groundswell serve` runs uvicorn so that no client can take the dashboard down before the token check.

The token check runs in the app, after a request's headers are complete; everything before that is uvicorn's, and
its defaults leave three ways in (the s65 penetration test):

- Size: the httptools parser uvicorn picks when it is installed has no cap on a request line or header, and grows
  them by concatenation: one client streaming tens of MiB froze every other request for seconds to minutes. The
  dashboard always runs uvicorn's h11 parser (pure Python, always installed with uvicorn; the runtime venv has no
  httptools anyway) with a cap of MAX_HEAD_BYTES on the request line and headers together: past it the request
  is answered 414 (the request line alone) or 431 (headers) and the connection closed, before the app runs.
- Time: uvicorn times a connection out only after a response (keep-alive), never while it waits for a request, so
  ~1,000 connections that send half a request and stop held every file descriptor. LimitedH11Protocol closes a
  connection whose request head is not complete HEAD_TIMEOUT_S after the connection opened or the previous
  response ended, and one whose body is not complete BODY_TIMEOUT_S after its head (uvicorn has no option for
  either, hence the subclass).
- Count: at most `connection_limit()` connections are held; one more is answered 503 and closed at once, so a flood
  meets a refusal instead of the process running out of file descriptors (which also stops it opening its store).
  The same number is uvicorn's `limit_concurrency`: requests past it are answered 503 too.

A reverse proxy in front is still what to run for anything public (docs/security.md): these limits keep one client
from stopping the dashboard, they do not make it a public web server.
"""

from __future__ import annotations

import asyncio
import resource
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_HEAD_BYTES = 64 * 1024  # request line + headers together; h11 (uvicorn) alone would allow 16 KiB
HEAD_TIMEOUT_S = 10.0  # to send a request line and headers, from connection open or the previous response's end
BODY_TIMEOUT_S = 30.0  # to send a body after its headers: MAX_WRITE_BODY (1 MB) at 33 KB/s
MAX_CONNECTIONS = 500  # connections held at once (fewer when the open-files limit is low: connection_limit)
REFUSAL_LOG_EVERY_S = 60.0  # a flood refused is logged once a minute
_STATUS = {414: b"414 URI Too Long", 431: b"431 Request Header Fields Too Large", 503: b"503 Service Unavailable"}


def connection_limit() -> int:
    """MAX_CONNECTIONS, or half this process's open-files limit when that is lower (the rest: store, model, logs)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(8, min(MAX_CONNECTIONS, soft // 2))


class LimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on reading each request and a cap on connections (module docstring).

    The deadline follows the client's side of h11's state machine after every read: IDLE (owes a request head)
    arms `head_timeout`, SEND_BODY (owes the rest of a body) arms `body_timeout`, DONE (the app is answering) none;
    the end of a response puts it back to IDLE."""

    head_timeout: float = HEAD_TIMEOUT_S
    body_timeout: float = BODY_TIMEOUT_S
    max_connections: int = MAX_CONNECTIONS
    _refusal_logged_at: float = float("-inf")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_for: object | None = None  # the client's h11 state the deadline is armed for

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            now = self.loop.time()
            if now - LimitedH11Protocol._refusal_logged_at > REFUSAL_LOG_EVERY_S:  # one line, not one per refusal
                LimitedH11Protocol._refusal_logged_at = now
                self.logger.warning("Refusing connections: %d are open (the limit).", self.max_connections)
            self._refuse(503, b"too many connections: try again in a moment")
            return
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._waiting_for = None  # a new request starts: its head gets the whole head_timeout
        self._follow()

    def send_400_response(self, msg: str) -> None:
        """414 / 431 when h11 refused the request for its size (its buffer is over the cap), else uvicorn's 400."""
        buffered, _ = self.conn.trailing_data
        cap = self.config.h11_max_incomplete_event_size
        if len(buffered) <= cap:
            super().send_400_response(msg)
            return
        status = 431 if b"\n" in buffered else 414  # no line end yet: the request line alone is too long
        self.logger.warning("Refused a request whose line and headers are over %d bytes (%d).", cap, status)
        self._refuse(status, f"the request line and headers are over {cap:,} bytes".encode())

    def _refuse(self, status: int, body: bytes) -> None:
        """Answer `status` and close, without h11 (no request may have been read yet)."""
        self._cancel()
        self.transport.write(
            b"HTTP/1.1 %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n%s" % (_STATUS[status], len(body), body)
        )
        self.transport.close()

    def _follow(self) -> None:
        """Arm the deadline for what the client owes now (a head, a body), unless it is already armed for it."""
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        if state is self._waiting_for:
            return
        self._cancel()
        timeout = {h11.IDLE: self.head_timeout, h11.SEND_BODY: self.body_timeout}.get(state)
        if timeout is not None:
            self._waiting_for = state
            self._deadline = self.loop.call_later(timeout, self._expired)

    def _expired(self) -> None:
        self._deadline = None
        if not self.transport.is_closing() and self.conn.their_state is self._waiting_for:
            self.transport.close()  # an unfinished body: the app's receive() gets http.disconnect

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None
        self._waiting_for = None


def limited_protocol(
    head_timeout: float = HEAD_TIMEOUT_S, body_timeout: float = BODY_TIMEOUT_S, max_connections: int | None = None
) -> type[LimitedH11Protocol]:
    """LimitedH11Protocol with these limits (uvicorn builds one protocol object per connection from a class)."""
    limits = {"head_timeout": head_timeout, "body_timeout": body_timeout,
              "max_connections": max_connections or connection_limit()}
    return type("LimitedH11Protocol", (LimitedH11Protocol,), limits)


def server_config(
    app: Any,
    host: str,
    port: int,
    *,
    max_head_bytes: int = MAX_HEAD_BYTES,
    head_timeout: float = HEAD_TIMEOUT_S,
    body_timeout: float = BODY_TIMEOUT_S,
    max_connections: int | None = None,
    **options: Any,
) -> uvicorn.Config:
    """The uvicorn Config `serve` runs: the limits above, no WebSocket upgrade (the dashboard has no WebSocket
    route, and an upgraded connection would leave these limits), and `options` (logging, forwarded_allow_ips...)."""
    limit = max_connections or connection_limit()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=limited_protocol(head_timeout, body_timeout, limit),
        h11_max_incomplete_event_size=max_head_bytes,
        limit_concurrency=limit,
        ws="none",
        **options,
    )
