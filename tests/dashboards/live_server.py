"""A real uvicorn serving an ASGI app on a free 127.0.0.1 port, and raw HTTP requests to it.

Raw requests (http.client, path sent byte for byte) so tests can send what a browser or
an attacker would: junk query strings, forged Host headers, '//' paths.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(app: Any, config: Callable[[Any, str, int], Any] | None = None) -> Iterator[int]:
    """Serve `app` with uvicorn in a thread; yield its port; stop it afterwards. `config(app, host, port)` makes
    the uvicorn.Config (e.g. dashboards.web.server_limits.server_config, as `serve` runs); default: uvicorn's."""
    import uvicorn

    port = free_port()
    if config is None:
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    else:
        server = uvicorn.Server(config(app, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def raw_get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET `path` exactly as given (no normalising); (status, lower-cased headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        sent = {"Host": f"127.0.0.1:{port}", **(headers or {})}
        for key, value in sent.items():
            conn.putheader(key, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()
