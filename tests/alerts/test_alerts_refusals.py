"""Answers no retry can change: SMTP 5xx, HTTP redirects. They fail that alert only, at once, without
taking the channel down for the rest of the run. Real servers: aiosmtpd on localhost, http.server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import SMTP_PASSWORD, SMTP_USER, email_channel, free_port, make_alert

from alerts.config import WebhookChannel
from alerts.deliver import DeliveryLedger, deliver, with_pending
from core.alert import Alert
from groundswell.config import parse_config
from groundswell.period_delivery import send_report
from groundswell.period_report import build_period_report
from groundswell.periods import Period


def _alerts() -> list[Alert]:
    """Three alerts, each opening its own incident, so no channel folds one away as a follow-up."""
    alerts = [make_alert(hour=9, kind="influencer"), make_alert(hour=12, kind="keyword"), make_alert(hour=15)]
    for alert in alerts:
        alert.incident_id = alert.id
    return alerts


class _PickyMail:
    """An SMTP handler that refuses what `refuse_data` / `refuse_rcpt` say, accepts the rest, records both."""

    def __init__(self, refuse_data: list[str] | None = None, refuse_rcpt: str | None = None) -> None:
        self.refuse_data = list(refuse_data or [])  # replies for the next DATA commands, in order; then 250
        self.refuse_rcpt = refuse_rcpt  # reply to every RCPT TO, when set
        self.accepted: list[bytes] = []
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook)
        if self.refuse_rcpt:
            self.refused += 1
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook)
        if self.refuse_data:
            self.refused += 1
            return self.refuse_data.pop(0)
        self.accepted.append(envelope.content)
        return "250 Message accepted for delivery"


@pytest.fixture
def mail() -> Iterator:
    """Start a real SMTP server (AUTH for one user, no TLS) with a given handler; stopped after the test."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        return AuthResult(success=ok, handled=False)

    started: list = []

    def start(handler: _PickyMail):
        controller = Controller(
            handler, hostname="127.0.0.1", port=free_port(), authenticator=authenticator, auth_require_tls=False
        )
        controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


def test_smtp_5xx_for_one_message_does_not_block_the_next(mail, state, caplog):
    # The server quotes the password back in its refusal: whatever a server says, it must not reach the report.
    handler = _PickyMail(refuse_data=[f"554 5.7.1 Message rejected by content policy ({SMTP_PASSWORD})"])
    channel = email_channel(mail(handler), retries=3, backoff_s=0.01)
    waits: list[float] = []
    alerts = _alerts()

    report = deliver(alerts, [channel], state, {"PW": SMTP_PASSWORD}, sleep=waits.append).channels["email"]

    assert (report.sent, report.failed) == (2, 1)
    assert handler.refused == 1 and len(handler.accepted) == 2  # refused once, never retried
    assert waits == []
    text = " ".join(report.errors) + caplog.text
    assert "refused the message permanently: 554 5.7.1 Message rejected by content policy" in text
    assert SMTP_PASSWORD not in text
    ledger = DeliveryLedger(state)
    assert [ledger.was_sent("email", a) for a in alerts] == [False, True, True]


def test_smtp_4xx_is_still_retried(mail, state):
    handler = _PickyMail(refuse_data=["451 4.3.0 Try again later"])
    channel = email_channel(mail(handler), retries=2, backoff_s=0.01)
    waits: list[float] = []

    report = deliver(_alerts()[:1], [channel], state, {"PW": SMTP_PASSWORD}, sleep=waits.append)

    assert (report.sent, report.failed) == (1, 0)
    assert waits == [0.01] and len(handler.accepted) == 1


def test_recipient_refused_with_5xx_is_permanent_and_the_channel_stays_up(mail, state, caplog):
    handler = _PickyMail(refuse_rcpt="550 5.1.1 Mailbox unavailable")
    channel = email_channel(mail(handler), retries=3, backoff_s=0.01)
    waits: list[float] = []

    report = deliver(_alerts()[:2], [channel], state, {"PW": SMTP_PASSWORD}, sleep=waits.append).channels["email"]

    # Each alert tried once: neither retried, and the second not failed fast as if the channel were down.
    assert (report.sent, report.failed, handler.refused, waits) == (0, 2, 2, [])
    assert all("pr@example.org permanently: 550 5.1.1 Mailbox unavailable" in e for e in report.errors)
    assert SMTP_PASSWORD not in " ".join(report.errors) + caplog.text


def test_recipient_refused_with_4xx_is_retried(mail, state):
    handler = _PickyMail(refuse_rcpt="450 4.2.1 Mailbox busy")
    channel = email_channel(mail(handler), retries=1, backoff_s=0.01)
    waits: list[float] = []

    report = deliver(_alerts()[:1], [channel], state, {"PW": SMTP_PASSWORD}, sleep=waits.append).channels["email"]

    assert (report.failed, handler.refused, waits) == (1, 2, [0.01])
    assert "450" in report.errors[0] and "permanently" not in report.errors[0]


class _RedirectingServer(ThreadingHTTPServer):
    """POST /hook answers `status` with a Location; /login answers 200 to anything, and records it."""

    daemon_threads = True

    def __init__(self, status: int) -> None:
        super().__init__(("127.0.0.1", 0), _RedirectHandler)
        self.status = status
        self.hook_posts = 0
        self.landed: list[str] = []  # "METHOD bytes-of-body" for each request that followed the redirect

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RedirectHandler(BaseHTTPRequestHandler):
    server: _RedirectingServer

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.startswith("/hook"):
            self.server.hook_posts += 1
            self.send_response(self.server.status)
            self.send_header("Location", "/login?next=/hook/T000/s3cret")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._land("POST", body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._land("GET", b"")

    def _land(self, method: str, body: bytes) -> None:
        self.server.landed.append(f"{method} {len(body)}")
        page = b"<html>sign in</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def redirecting() -> Iterator:
    servers: list[_RedirectingServer] = []

    def start(status: int) -> _RedirectingServer:
        server = _RedirectingServer(status)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("kind", ["slack", "teams", "webhook"])
@pytest.mark.parametrize("status", [302, 307])
def test_a_redirecting_webhook_is_a_permanent_failure_not_a_delivery(redirecting, state, caplog, kind, status):
    server = redirecting(status)
    url = server.url + "/hook/T000/s3cret"
    alerts = _alerts()[:2]
    channel = WebhookChannel(type=kind, url_env="HOOK_URL", retries=3, backoff_s=0.01)
    waits: list[float] = []

    report = deliver(alerts, [channel], state, {"HOOK_URL": url}, sleep=waits.append).channels[kind]

    assert (report.sent, report.failed) == (0, 2)
    assert server.landed == []  # the redirect was not followed (302: as a body-less GET; 307: re-POSTed)
    assert server.hook_posts == 2 and waits == []  # both alerts tried, once each: permanent, channel still up
    assert not any(DeliveryLedger(state).was_sent(kind, a) for a in alerts)
    assert f"HTTP {status}" in report.errors[0] and "$HOOK_URL redirects" in report.errors[0]
    assert "s3cret" not in " ".join(report.errors) + caplog.text  # neither the URL nor the Location


class _BusyMailbox:
    """Refuses RCPT TO for `who` with `replies` in order (then takes it), takes every other recipient; records
    the recipients of each message it accepted. With `quit_reply`, answers QUIT with that instead of 221."""

    def __init__(self, who: str, replies: list[str], quit_reply: str | None = None) -> None:
        self.who, self.replies, self.quit_reply = who, list(replies), quit_reply
        self.gone: str | None = None  # an address refused for good, every time
        self.delivered: list[list[str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook)
        if address == self.gone:
            return "550 5.1.1 No such user"
        if address == self.who and self.replies:
            return self.replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook)
        self.delivered.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook)
        return self.quit_reply or "221 Bye"


def test_a_recipient_refused_for_now_while_others_took_it_is_retried_alone(mail, state):
    handler = _BusyMailbox("oncall@example.org", ["450 4.2.1 Mailbox busy"])
    channel = email_channel(mail(handler), to=["pr@example.org", "oncall@example.org"], retries=2, backoff_s=0.01)
    waits: list[float] = []

    report = deliver(_alerts()[:1], [channel], state, {"PW": SMTP_PASSWORD}, sleep=waits.append).channels["email"]

    assert (report.sent, report.failed, waits) == (1, 0, [0.01])
    # Each recipient got it once: the retry went to the refused one only.
    assert handler.delivered == [["pr@example.org"], ["oncall@example.org"]]


def test_a_recipient_refused_for_good_while_others_took_it_is_a_delivery_naming_it(mail, state, caplog):
    # It failed the alert unrecorded: every run for a day mailed the whole list again, the valid recipients
    # included, to be refused again.
    handler = _BusyMailbox("oncall@example.org", ["550 5.1.1 No such user"] * 5)
    channel = email_channel(mail(handler), to=["pr@example.org", "oncall@example.org"], retries=2, backoff_s=0.01)
    waits: list[float] = []
    alerts = _alerts()[:1]

    for run in range(3):  # three scheduled runs, an hour apart: the alert is stored, no longer detected
        now = alerts[0].window_end + timedelta(hours=run)
        offered = with_pending([] if run else alerts, alerts, [channel], state, now)
        report = deliver(offered, [channel], state, {"PW": SMTP_PASSWORD}, sleep=waits.append)
        assert report.failed == 0

    assert handler.delivered == [["pr@example.org"]] and waits == []  # mailed once, not retried
    assert DeliveryLedger(state).delivered("email", alerts[0])
    assert "oncall@example.org (the others got it) permanently: 550 5.1.1 No such user" in caplog.text


def test_the_refused_recipient_is_named_in_the_channel_report(mail, state):
    handler = _BusyMailbox("oncall@example.org", ["550 5.1.1 No such user"])
    channel = email_channel(mail(handler), to=["pr@example.org", "oncall@example.org"], retries=2, backoff_s=0.01)
    alerts = _alerts()[:1]

    report = deliver(alerts, [channel], state, {"PW": SMTP_PASSWORD}).channels["email"]

    assert (report.sent, report.failed, report.unrecorded) == (1, 0, 0)
    assert report.errors == [f"{alerts[0].id}: delivered, but SMTP server refused the recipient(s) oncall@example.org "
                             "(the others got it) permanently: 550 5.1.1 No such user"]  # fmt: skip


def test_a_recipient_refused_for_now_past_its_retries_is_not_mailed_to_all_next_run(mail, state):
    # Busy for the whole run: the retries go to it alone; once spent, the others' copy stands and is recorded.
    handler = _BusyMailbox("oncall@example.org", ["450 4.2.1 Mailbox busy"] * 3)
    channel = email_channel(mail(handler), to=["pr@example.org", "oncall@example.org"], retries=2, backoff_s=0.01)
    waits: list[float] = []
    alerts = _alerts()[:1]

    report = deliver(alerts, [channel], state, {"PW": SMTP_PASSWORD}, sleep=waits.append).channels["email"]

    assert (report.sent, report.failed, waits) == (1, 0, [0.01, 0.02])
    assert "450 4.2.1 Mailbox busy for the recipient(s) oncall@example.org (the others got it)" in report.errors[0]
    assert handler.delivered == [["pr@example.org"]]  # the two retries went to oncall alone, refused
    assert with_pending([], alerts, [channel], state, alerts[0].window_end + timedelta(hours=1)) == []


def test_a_retry_to_the_refused_recipient_keeps_the_permanent_refusal_named(mail, state):
    # One address refused for good, one for now: the retry goes to the busy one only, and once it took the message
    # the report still names the one refused for good (the retry's own answer did not mention it).
    handler = _BusyMailbox("oncall@example.org", ["450 4.2.1 Mailbox busy"])
    handler.gone = "typo@example.org"
    channel = email_channel(
        mail(handler), to=["pr@example.org", "oncall@example.org", "typo@example.org"], retries=2, backoff_s=0.01
    )

    report = deliver(_alerts()[:1], [channel], state, {"PW": SMTP_PASSWORD}, sleep=lambda s: None).channels["email"]

    assert handler.delivered == [["pr@example.org"], ["oncall@example.org"]]
    assert (report.sent, report.failed) == (1, 0)
    assert "typo@example.org (the others got it) permanently: 550 5.1.1 No such user" in report.errors[0]


def test_a_report_some_recipients_refused_is_recorded_and_not_mailed_to_all_again(mail, state):
    handler = _BusyMailbox("oncall@example.org", ["550 5.1.1 No such user"] * 5)
    channel = email_channel(mail(handler), to=["pr@example.org", "oncall@example.org"], retries=2, backoff_s=0.01)
    config = parse_config({"brands": [{"name": "Acme", "query": "acme"}], "report": {"path": "unused/report.html"}})
    report = build_period_report(config, state, Period("week", date(2026, 3, 9), date(2026, 3, 16)))

    first = send_report(report, [channel], state, {"PW": SMTP_PASSWORD}, sleep=lambda s: None)
    second = send_report(report, [channel], state, {"PW": SMTP_PASSWORD}, sleep=lambda s: None)

    assert (first.sent, first.failed, second.already_sent) == (1, 0, 1)
    told = "week:2026-W11: delivered, but SMTP server refused the recipient(s) oncall@example.org (the others got it)"
    assert first.channels["email"].errors[0].startswith(told)
    assert handler.delivered == [["pr@example.org"]]


def test_a_server_answering_quit_oddly_after_taking_the_message_has_it(mail, state):
    handler = _BusyMailbox("nobody", [], quit_reply="421 4.4.2 Connection dropped")
    channel = email_channel(mail(handler), retries=3, backoff_s=0.01)
    alerts = _alerts()[:1]

    for _ in range(3):  # three runs
        report = deliver(alerts, [channel], state, {"PW": SMTP_PASSWORD}, sleep=lambda s: None)
        assert report.failed == 0 and report.channels["email"].errors == []
    assert len(handler.delivered) == 1  # mailed once, not once per try and run
    assert DeliveryLedger(state).was_sent("email", alerts[0])
