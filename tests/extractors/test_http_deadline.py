"""A total deadline per request (`HttpClient`, `extractors.http.DEFAULT_DEADLINE`): a server that trickles its body a
byte at a time never trips the read timeout, which bounds each wait for a byte, and held a run for as long as it
trickled (one feed: 120 s). A deadline hit is not retried (`DeadlineExceeded`): five tries of a trickle took five
deadlines and lost the response all the same. A real socket server on 127.0.0.1 that sends one byte every `GAP`
seconds."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from extractors.base import SourceError, Window
from extractors.hackernews import HackerNewsExtractor
from extractors.http import DeadlineExceeded, HttpClient, RetryPolicy
from extractors.rss import RssExtractor

BODY = b'{"hits": []}'
GAP = 0.4  # seconds between two bytes: far below the read timeout


@pytest.fixture
def trickle():
    """A server answering every request with BODY, one byte every GAP seconds; `.requests` counts them."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    requests: list[float] = []

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
            requests.append(time.monotonic())
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    yield Trickle(f"http://127.0.0.1:{listener.getsockname()[1]}/s", requests)
    stop.set()
    server.join()  # out of accept() before the socket closes under it
    listener.close()


class Trickle(str):
    """The server's URL, with the times it was asked."""

    def __new__(cls, url: str, requests: list[float]) -> Trickle:
        made = super().__new__(cls, url)
        made.requests = requests
        return made


def test_a_trickling_response_is_cut_at_the_deadline_and_not_retried(trickle, clock):
    policy = RetryPolicy(attempts=5, sleep=clock.sleep, clock=clock.time)
    client = HttpClient(policy, timeout=(2.0, 2.0), deadline=1.0)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"^the feed: no whole response within the deadline of 1s .*deadline_s"):
        client.get_json(trickle, what="the feed")
    # One attempt of 1 s; without the deadline the body alone takes len(BODY) * GAP = 4.8 s per attempt.
    assert time.monotonic() - started < 1.0 + 1.0
    assert len(trickle.requests) == 1 and clock.sleeps == []  # asked once, no backoff


def test_a_response_whole_within_the_deadline_is_read(trickle, clock):
    policy = RetryPolicy(attempts=1, sleep=clock.sleep, clock=clock.time)
    assert HttpClient(policy, timeout=(2.0, 2.0), deadline=len(BODY) * GAP + 3).get_json(trickle) == {"hits": []}


def test_hacker_news_takes_the_deadline_from_its_options(trickle, policy):
    hn = HackerNewsExtractor({"base_url": trickle, "deadline_s": 1.0})
    hn.retry = policy
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"deadline of 1s .*raise the source's deadline_s option"):
        list(hn.extract("acme", "acme", None, Window()))
    assert time.monotonic() - started < 1.0 + 1.0 and len(trickle.requests) == 1


def test_an_rss_feed_past_its_deadline_is_asked_once_and_says_how_to_raise_it(trickle, policy):
    rss = RssExtractor({"urls": [trickle], "deadline_s": 1.0})
    rss.retry = policy
    with pytest.raises(SourceError, match=r"^rss http://127\.0\.0\.1:\d+/s: no whole response .*deadline_s"):
        list(rss.extract("acme", "acme", None, Window()))
    assert len(trickle.requests) == 1
