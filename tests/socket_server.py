"""A local TCP server answering each connection on a thread of its own, for receivers that misbehave byte by byte
(a greeting or a status line dripped slowly). Subclasses write `_handle`. Import as
`from socket_server import SocketServer` (tests/ is on sys.path: tests/conftest.py)."""

from __future__ import annotations

import socket
import threading


class SocketServer:
    """Listens on 127.0.0.1 (a free port) from construction until `sock` is closed."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        raise NotImplementedError
