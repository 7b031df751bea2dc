"""A channel still sending at the delivery deadline (an SMTP server greeting a byte at a time, each byte within the
read timeout): the run returns within the deadline plus one try however many channels there are (with one, it
waited out the whole send), and the abandoned lane keeps its claim while its send goes on, so the next run does not
mail the same alert again. Real local SMTP server, real SQLite store."""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Iterator

import pytest
from conftest import make_alert
from socket_server import SocketServer

import alerts.deliver as deliver_module
from alerts.config import ConsoleChannel, EmailChannel
from alerts.deliver import claim_key, deliver, try_s
from indexing.sqlite import SqliteStore

GREETING = b"220 " + b"x" * 96 + b" slow ESMTP\r\n"  # 113 bytes


class _SlowSmtp(SocketServer):
    """Greets a byte every `drip_s`, then speaks plain SMTP at once; records each message it takes."""

    def __init__(self, drip_s: float) -> None:
        self.drip_s, self.received = drip_s, []
        super().__init__()

    def _handle(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as f:
            for byte in GREETING:
                conn.sendall(bytes([byte]))
                time.sleep(self.drip_s)
            while line := f.readline():
                command = line.strip().upper()
                if command == b"DATA":
                    conn.sendall(b"354 go\r\n")
                    body = b"".join(iter(lambda: f.readline(), b".\r\n"))
                    self.received.append(body)
                    conn.sendall(b"250 queued\r\n")
                elif command == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")


@pytest.fixture
def smtp() -> Iterator[_SlowSmtp]:
    server = _SlowSmtp(drip_s=0.04)  # 4.5 s of greeting, each byte well within the 0.1 s read timeout
    yield server
    server.sock.close()


@pytest.fixture
def short_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deliver_module, "DELIVERY_DEADLINE_S", 0.3)
    monkeypatch.setattr(deliver_module, "LEDGER_WRITE_S", 0.2)


def _email(server: _SlowSmtp) -> EmailChannel:
    return EmailChannel(type="email", host="127.0.0.1", port=server.sock.getsockname()[1], sender="gs@example.org",
                        to=["pr@example.org"], starttls=False, timeout_s=0.1, retries=0)


def _wait_for(check, seconds: float = 15.0) -> None:
    end = time.monotonic() + seconds
    while not check() and time.monotonic() < end:
        time.sleep(0.05)


def test_one_channel_keeps_the_run_deadline(smtp, short_deadline, tmp_path):
    state = SqliteStore(tmp_path / "g.db")
    channel = _email(smtp)
    bound = 0.3 + try_s(channel) + 0.2  # the deadline, one try, the ledger write: 2.7 s
    began = time.monotonic()
    report = deliver([make_alert()], [channel], state, {})
    took = time.monotonic() - began
    assert took < bound + 0.5, took  # was the whole 4.5 s greeting and the send after it
    assert report.failed == 1 and "delivery deadline" in report.channels["email"].errors[0]
    _wait_for(lambda: len(smtp.received) == 1)
    state.close()


def test_an_abandoned_lane_keeps_its_claim_so_the_next_run_does_not_send_again(smtp, short_deadline, tmp_path):
    state = SqliteStore(tmp_path / "g.db")
    alert, channels = make_alert(), [_email(smtp), ConsoleChannel(type="console")]
    first = deliver([alert], channels, state, {}, stream=io.StringIO())
    assert first.channels["email"].failed == 1 and first.channels["console"].sent == 1
    assert state.get_state(claim_key("email", alert.id)) is not None  # was released while the send went on
    second = deliver([alert], channels, state, {}, stream=io.StringIO())  # the next run, or a person's --send
    assert second.channels["email"].in_flight == 1 and second.channels["email"].sent == 0
    _wait_for(lambda: len(smtp.received) >= 1 and state.get_state(claim_key("email", alert.id)) is None)
    time.sleep(0.5)
    assert len(smtp.received) == 1  # was 2: run 2 mailed it again
    third = deliver([alert], channels, state, {}, stream=io.StringIO())
    assert third.channels["email"].already_sent == 1  # the abandoned lane recorded what it sent
    assert len(smtp.received) == 1
    state.close()
