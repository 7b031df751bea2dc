"""The dashboard's listening socket, bound before anything says the dashboard is up.

Binding first turns "address already in use" into one clear error instead of a
"dashboard on http://…" line followed by uvicorn's failure; the bound socket is
then handed to uvicorn, so nothing can take the port in between.
"""

from __future__ import annotations

import errno
import socket


class PortUnavailable(OSError):
    """The address cannot be listened on (in use, not this machine's, not allowed)."""


def bind_listener(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port), not yet listening; raise PortUnavailable with what to do."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise PortUnavailable(f"cannot listen on {host!r}: not an address of this machine ({exc.strerror})") from None
    sock = socket.socket(family, kind, proto)
    # As uvicorn does: a port left in TIME_WAIT by a stopped dashboard is free; one in use is not.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise PortUnavailable(_why(host, port, exc)) from None
    sock.set_inheritable(True)
    return sock


def _why(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use (another dashboard still running?): "
            f"stop it, or pick a free port with --port"
        )
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port} (ports below 1024 need privileges): pick one with --port"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: use 127.0.0.1, 0.0.0.0 or one of its own addresses"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
