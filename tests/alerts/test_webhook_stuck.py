"""A webhook try given up on at `timeout_s` while its request is still under way is not retried beside it: one POST
per run, the channel down for the rest of the run, the next run sends it again with the same key; the session the
stuck request used is closed when it ends. And a header secret with a trailing newline is sent without it; one that
still is no valid header value fails at once, naming its variable, never retried. Real local receivers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from conftest import make_alert
from socket_server import SocketServer

from alerts.channels.base import DeliveryError
from alerts.channels.webhook import WebhookSender
from alerts.config import WebhookChannel
from alerts.deliver import deliver

STATUS = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class _SlowAnswer(SocketServer):
    """Takes a POST at once, then answers its status line a byte every `drip_s` (each byte within a read timeout,
    the whole answer well past `timeout_s`). Records each POST's Idempotency-Key."""

    def __init__(self, drip_s: float) -> None:
        self.drip_s, self.keys = drip_s, []
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"

    def _handle(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as f:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                head += f.read(1)
            fields = {n.lower(): v for n, _, v in (line.partition(": ") for line in head.decode().split("\r\n"))}
            f.read(int(fields["content-length"]))
            self.keys.append(fields["idempotency-key"])
            try:
                for byte in STATUS:
                    conn.sendall(bytes([byte]))
                    time.sleep(self.drip_s)
            except OSError:
                pass


@pytest.fixture
def slow() -> Iterator[_SlowAnswer]:
    server = _SlowAnswer(drip_s=0.06)  # 62 bytes: 3.7 s in all, against a 1 s timeout_s
    yield server
    server.sock.close()


def _hook(**kw) -> WebhookChannel:
    return WebhookChannel(type="webhook", url_env="HOOK", timeout_s=1.0, retries=3, backoff_s=0.01, **kw)


def _workers() -> list[threading.Thread]:
    # the stuck request's worker, and the thread that gives up its alert's claim once that ends
    return [t for t in threading.enumerate() if t.name.startswith(("webhook:", "release:"))]


def _settle(deadline_s: float = 10.0) -> None:
    end = time.monotonic() + deadline_s
    while _workers() and time.monotonic() < end:
        time.sleep(0.05)


def test_a_stuck_try_is_not_retried_beside_itself_and_the_next_run_sends_it_again(slow, state):
    _settle()
    queue = [make_alert(), make_alert(hour=9)]
    began = time.monotonic()
    first = deliver(queue, [_hook()], state, {"HOOK": slow.url})
    assert time.monotonic() - began < 3.0  # timeout_s, its grace (`_GRACE_S`) and a margin for a loaded machine
    assert len(slow.keys) == 1  # was 4 POSTs of the one key in 4 s: each retry beside the stuck one
    channel = first.channels["webhook"]
    assert (first.sent, first.failed) == (0, 2), channel.errors  # the second waits for the next run: down
    assert "may have received the alert" in channel.errors[0]
    assert len([t for t in _workers() if t.name.startswith("webhook:")]) <= 1  # was one per try
    _settle()
    assert _workers() == []
    slow.drip_s = 0.0  # the receiver answers at once now
    second = deliver(queue, [_hook()], state, {"HOOK": slow.url})
    assert second.sent == 2, second.channels["webhook"].errors
    assert slow.keys[1] == slow.keys[0]  # the same key: the receiver can drop the repeat


def test_the_session_of_a_request_left_behind_is_closed_when_it_ends(slow):
    _settle()
    sender = WebhookSender(_hook(), {"HOOK": slow.url})
    stuck = sender._session
    with pytest.raises(DeliveryError) as failed:
        sender.send(make_alert())
    assert not failed.value.retryable and failed.value.stuck
    with pytest.raises(DeliveryError, match="still under way"):  # no second request while the first runs
        sender.send(make_alert(hour=9))
    assert len(slow.keys) == 1
    _settle()
    assert len(stuck.adapters["http://"].poolmanager.pools) == 0  # closed: its pool is emptied (was kept open)
    sender.close()


def test_a_header_secret_loses_its_trailing_newline_and_a_bad_one_fails_at_once(http_server, state, caplog):
    channel = _hook(auth_header_env="HOOK_AUTH")
    env = {"HOOK": http_server.url + "/hook", "HOOK_AUTH": "Bearer tok-5e1d\n"}  # as `$(cat token.txt)` in a file
    assert deliver([make_alert()], [channel], state, env).sent == 1
    assert http_server.on("/hook")[0]["headers"]["Authorization"] == "Bearer tok-5e1d"
    bad = deliver([make_alert(hour=9)], [channel], state, {**env, "HOOK_AUTH": "Bearer tok-5e1d\nX-Evil: 1"})
    errors = bad.channels["webhook"].errors
    assert bad.failed == 1 and len(http_server.on("/hook")) == 1, errors  # was retried (InvalidHeader), and forever
    assert "HOOK_AUTH is not a valid HTTP header value" in errors[0] and "$HOOK " not in errors[0]
    assert "tok-5e1d" not in caplog.text + " ".join(errors)


def test_a_run_overlapping_a_stuck_try_leaves_its_alert_to_it(slow, state):
    # Another run (an Airflow task beside a person's `groundswell run`) while the stuck request still drips: the
    # alert's claim is kept until that request ends, so the other run counts it in flight instead of POSTing it
    # beside (released at once, it was POSTed twice with one key, both open together).
    _settle()
    slow.drip_s = 0.12  # 62 bytes: 7.4 s in all, well past timeout_s and its grace
    alert = make_alert()
    first = deliver([alert], [_hook()], state, {"HOOK": slow.url})
    assert first.failed == 1 and [t for t in _workers() if t.name.startswith("webhook:")]  # still sending
    beside = deliver([alert], [_hook()], state, {"HOOK": slow.url})
    assert (beside.sent, beside.in_flight) == (0, 1), beside.channels["webhook"].errors
    assert len(slow.keys) == 1
    _settle(deadline_s=15)
    assert _workers() == []  # the request ended, and its claim was given up with it
    slow.drip_s = 0.0
    assert deliver([alert], [_hook()], state, {"HOOK": slow.url}).sent == 1  # the next run sends it, same key
    assert slow.keys == [slow.keys[0]] * 2
