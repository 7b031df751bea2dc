"""Real local servers for delivery tests: an HTTP server and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.alert import Alert, DrivingPost
from indexing.sqlite import SqliteStore


class RecordingServer(ThreadingHTTPServer):
    """Answers POSTs with planned responses (per path, in order; then 200) and records them.

    A planned response is a status code, or a dict {"status", "headers", "delay"} (delay: seconds
    to wait after reading the request, before answering: a slow receiver that still processes it).
    Each record has "at", the server's monotonic clock when the request arrived."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []
        self.plan: dict[str, list[int]] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def next_response(self, path: str) -> dict:
        with self.lock:
            planned = self.plan.get(path)
            answer = planned.pop(0) if planned else 200
        return answer if isinstance(answer, dict) else {"status": answer}

    def on(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]


class _Handler(BaseHTTPRequestHandler):
    server: RecordingServer

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        at = time.monotonic()
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        answer = self.server.next_response(self.path)
        status = answer["status"]
        with self.server.lock:
            self.server.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "json": json.loads(body or b"null"),
                    "status": status,
                    "at": at,
                }
            )
        time.sleep(answer.get("delay", 0))
        try:
            self.send_response(status)
            for name, value in answer.get("headers", {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"error")
        except (BrokenPipeError, ConnectionResetError):
            pass  # a client that timed out has hung up: the request was processed all the same

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[RecordingServer]:
    server = RecordingServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class _MailRecorder:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SMTP_USER, SMTP_PASSWORD = "alerts", "s3cret-pw"


def email_channel(smtp_server, password_env: str = "PW", **overrides):
    """An email channel pointed at the local SMTP server (plain SMTP with AUTH, no TLS)."""
    from alerts.config import EmailChannel

    fields = dict(
        type="email",
        host="127.0.0.1",
        port=smtp_server.port,
        sender="gs@example.org",
        to=["pr@example.org"],
        username=SMTP_USER,
        password_env=password_env,
        starttls=False,
    )
    return EmailChannel(**{**fields, **overrides})


@pytest.fixture
def smtp_server():
    """A real SMTP server on localhost that accepts AUTH LOGIN/PLAIN for one user, without TLS."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        # handled=False makes aiosmtpd answer 535 itself on a failure (its default is to stay silent).
        return AuthResult(success=ok, handled=False)

    recorder = _MailRecorder()
    controller = Controller(
        recorder, hostname="127.0.0.1", port=free_port(), authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    controller.recorder = recorder
    yield controller
    controller.stop()


@pytest.fixture
def state() -> Iterator[SqliteStore]:
    """The real embedded store, used for its get_state/set_state."""
    store = SqliteStore(":memory:")
    yield store
    store.close()


def make_alert(brand: str = "Acme", hour: int = 15, severity: str = "warning", kind: str = "spike") -> Alert:
    return Alert(
        kind=kind,
        brand=brand,
        severity=severity,
        window_start=datetime(2026, 3, 18, hour, tzinfo=UTC),
        window_end=datetime(2026, 3, 18, hour + 1, tzinfo=UTC),
        observed=31,
        expected=3.2,
        statistic="negative_binomial",
        score=11.2,
        p_value=6.3e-12,
        negative_share=0.62,
        expected_share=0.15,
        top_posts=[
            DrivingPost(
                id="x:1",
                text="Acme's update bricked my phone",
                author="techwatch",
                followers=120000,
                engagement=950,
                lang="en",
                source="x",
            ),
        ],
        top_terms=["bricked", "update", "refund"],
        top_themes=["software update"],
        source_mix={"x": 20, "reddit": 11},
        lang_mix={"en": 25, "it": 6},
        link="http://dash.local/explore?brand=Acme&sentiment=negative",
        summary="Acme: 31 negative mentions during 2026-03-18 15:00–16:00 UTC, 9.7× the 3.2 expected.",
    )


@pytest.fixture
def alerts() -> list[Alert]:
    return [make_alert(hour=15), make_alert(hour=18, severity="critical"), make_alert(brand="Globex", hour=9)]
