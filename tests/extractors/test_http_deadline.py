"""A total deadline per request (`HttpClient`, `extractors.http.DEFAULT_DEADLINE`): a server that trickles its body a
byte at a time never trips the read timeout, which bounds each wait for a byte, and held a run for as long as it
trickled (one feed: 120 s). A real socket server on 127.0.0.1 that sends one byte every `GAP` seconds."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from extractors.base import SourceError
from extractors.http import HttpClient, RetryPolicy

BODY = b'{"hits": []}'
GAP = 0.4  # seconds between two bytes: far below the read timeout


@pytest.fixture
def trickle():
    """A server answering every request with BODY, one byte every GAP seconds."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def answer(conn: socket.socket) -> None:
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY))
            for byte in BODY:
                if stop.wait(GAP):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return  # the client gave up: what the deadline is for

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/s"
    stop.set()
    server.join()  # out of accept() before the socket closes under it
    listener.close()


def test_a_trickling_response_is_cut_at_the_deadline_and_retried_as_a_timeout(trickle, clock):
    policy = RetryPolicy(attempts=2, sleep=clock.sleep, clock=clock.time)
    client = HttpClient(policy, timeout=(2.0, 2.0), deadline=1.0)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"giving up after 2 attempts: no whole response within the deadline of 1s"):
        client.get_json(trickle)
    # Two attempts of 1 s each; without the deadline the body alone takes len(BODY) * GAP = 4.8 s per attempt.
    assert time.monotonic() - started < 2 * 1.0 + 1.0
    assert clock.sleeps == [1.0]  # backed off as after a timeout


def test_a_response_whole_within_the_deadline_is_read(trickle, clock):
    policy = RetryPolicy(attempts=1, sleep=clock.sleep, clock=clock.time)
    assert HttpClient(policy, timeout=(2.0, 2.0), deadline=len(BODY) * GAP + 3).get_json(trickle) == {"hits": []}
