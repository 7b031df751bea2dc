"""Slack incoming webhooks, Microsoft Teams (Workflows) webhooks and generic JSON webhooks.

Plain `requests` rather than apprise: our messages need exact payloads (Slack Block Kit,
Teams Adaptive Card, our own JSON), we need to see the HTTP status to decide whether to retry,
and the same code must be testable against a local HTTP server — apprise's Slack and Teams
plugins build the vendor hostnames from tokens and cannot be pointed at 127.0.0.1.

Every payload carries `idempotency_key` (also sent as the `Idempotency-Key` header): delivery is
at-least-once (a read timeout, or a crash between the receiver's 200 and our record of it,
sends again), and the key, stable per alert, channel and installation, lets a receiver drop the repeat.
The generic webhook's payloads say what they are: `"type": "alert"` or `"report"`, with `schema_version`
(docs/alerts.md, "Webhook payloads").

Authenticity (optional, per channel): `secret_env` signs each POST (HMAC-SHA256 over `<timestamp>.<body>`, in
SIGNATURE_HEADER as `t=<unix seconds>,v1=<hex>`); `auth_header_env` is sent as the `Authorization` header. Neither
value is ever logged or put in an error (errors name the variable only).

Each request has one deadline, `timeout_s`, for all of it (connect, answer): the answer's body is never read
(its status and Retry-After are all delivery needs), and a receiver still answering at the deadline is left
behind: the send fails, not retried in this run (the request may still reach it), and the channel is down for the
rest of the run; the next run sends it again, with the same key. No request starts while one left behind still runs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from alerts.channels.base import DeliveryError, Report, escalation_id, escalation_note, idempotency_key
from alerts.config import WebhookChannel
from alerts.render import as_json, as_slack, as_teams
from core.alert import Alert
from core.http_dates import retry_after
from core.logsafe import register_secret
from core.time import as_utc

_PAYLOAD = {"slack": as_slack, "teams": as_teams, "webhook": as_json}
# The generic webhook's payload shape (docs/alerts.md, "Webhook payloads"): raised when a field changes meaning or
# goes away, not when one is added.
SCHEMA_VERSION = 1
SIGNATURE_HEADER = "X-Groundswell-Signature"
# How long past `timeout_s` a try is waited for: its own connect/read timeouts fire at `timeout_s` and end it as a
# plain, retried timeout; a worker still sending after this is given up on (`stuck`).
_GRACE_S = 1.0


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The SIGNATURE_HEADER value for `body` sent at `timestamp` (unix seconds): `t=<timestamp>,v1=<hex>`, the
    HMAC-SHA256 under `secret` of `<timestamp>.<body>` (the timestamp lets a receiver refuse replays)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass(frozen=True)
class _Answer:
    status: int
    retry_after: str | None


class WebhookSender:
    def __init__(
        self,
        channel: WebhookChannel,
        env: Mapping[str, str],
        tz: str = "UTC",
        competitors: Collection[str] = (),
        install: str = "",
    ):
        self.channel = channel
        self.tz = tz  # the wall clock of the times in its messages (digest.timezone)
        self.competitors = frozenset(competitors)  # brands marked as a competitor's (alerts.render.COMPETITOR)
        self.install = install  # mixed into every idempotency key (`alerts.install_id`)
        self._url = env.get(channel.url_env, "")
        self._secret = env.get(channel.secret_env, "") if channel.secret_env else ""
        # A secret file or `echo` leaves a trailing newline, which no header may carry: dropped from the header's value
        # only (the signing secret is used byte for byte, as the receiver has it).
        self._auth = _header_value(env.get(channel.auth_header_env, "")) if channel.auth_header_env else ""
        for value in (self._url, self._secret, self._auth):
            register_secret(value)  # masked in every log line, whoever quotes it
        self._session = requests.Session()
        self._busy: threading.Thread | None = None  # the worker of a request given up on, while it still runs

    def key(self, alert: Alert, rose_from: str | None = None) -> str:
        """The idempotency key of `alert` (of its escalation, with `rose_from`) on this channel."""
        return idempotency_key(self.channel.key, escalation_id(alert) if rose_from else alert.id, self.install)

    def body(self, alert: Alert, thread: str | None = None, rose_from: str | None = None) -> bytes:
        """The JSON request body, with the idempotency key inside it (a header can be dropped
        by a proxy or a workflow tool; the body reaches whatever handles the message)."""
        payload = _PAYLOAD[self.channel.type](alert, thread, self.tz, alert.brand in self.competitors)
        if self.channel.type == "webhook":
            payload = {"type": "alert", "schema_version": SCHEMA_VERSION, **payload, "escalation": None}
        if rose_from:
            payload = _escalated(self.channel.type, payload, alert, rose_from)
        return self._encode(payload, self.key(alert, rose_from))

    def _encode(self, payload: dict, key: str) -> bytes:
        payload = {**payload, "idempotency_key": key}
        try:
            # allow_nan=False: JSON has no Infinity/NaN, and a receiver would reject them.
            return json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            # Sending it again cannot help: a permanent failure of this alert, not of the channel.
            raise DeliveryError(f"message cannot be encoded as JSON ({exc})", retryable=False) from None

    def send(self, alert: Alert, thread: str | None = None, rose_from: str | None = None) -> None:
        self._post(lambda: self.body(alert, thread, rose_from), self.key(alert, rose_from))

    def send_report(self, report: Report) -> None:
        payload = {"slack": report.slack, "teams": report.teams}.get(self.channel.type) or {
            "type": "report",
            "schema_version": SCHEMA_VERSION,
            "text": report.subject,
            "report": report.data,
        }
        key = idempotency_key(self.channel.key, report.id, self.install)
        self._post(lambda: self._encode(payload, key), key)

    def _post(self, body_of: Callable[[], bytes], key: str) -> None:
        # The body is built after the secrets' check: a missing secret is the error to report first.
        c = self.channel
        for name, value in ((c.url_env, self._url), (c.secret_env, self._secret), (c.auth_header_env, self._auth)):
            if name and not value:
                raise DeliveryError(f"environment variable {name} is not set", retryable=False)
        if self._auth and not _valid_header(self._auth):
            # A config error, not the receiver's: the same every try, so never retried. Its value is never quoted.
            raise DeliveryError(
                f"environment variable {c.auth_header_env} is not a valid HTTP header value (a line break, control "
                "character or leading space in it): fix the variable",
                retryable=False,
            )
        body = body_of()
        headers = {"Content-Type": "application/json", "Idempotency-Key": key, "User-Agent": "groundswell-alerts"}
        if self._secret:
            headers[SIGNATURE_HEADER] = signature(self._secret, body, int(time.time()))  # each try: a fresh time
        if self._auth:
            headers["Authorization"] = self._auth
        error = self._status_error(self._request(body, headers))
        if error is not None:
            raise error

    def _request(self, body: bytes, headers: dict[str, str]) -> _Answer:
        """POST `body`, all of it within `timeout_s` (and a second's grace): the request runs on a worker thread,
        given up at that deadline (the worker's own read timeouts end it later). Only the status line and headers
        are read (stream=True): a body dripped a byte at a time holds nothing.

        A try given up on is not retried in this run: its worker may still be handing the receiver the alert, so a
        retry would POST it again beside it (a receiver answering a byte at a time got four POSTs of one key in four
        seconds). It fails as "may have received it", final for this run, the channel down for the rest of it
        (`stuck`), and the next run sends it again with the same key. No request starts while an earlier one's
        worker still runs (`_busy`); the session it used is closed when it ends, never shared with a later one."""
        c = self.channel
        if self._busy is not None and self._busy.is_alive():
            raise self._stuck("an earlier request to it is still under way")
        self._busy = None
        session, outcome, lock = self._session, {}, threading.Lock()

        def call() -> None:
            try:
                response = session.post(
                    self._url,
                    data=body,
                    timeout=c.timeout_s,
                    # A redirect is never followed: requests would turn the POST into a GET without the body
                    # and take the page it lands on (a login page, say) as the receiver's acceptance.
                    allow_redirects=False,
                    headers=headers,
                    stream=True,
                )
                outcome["answer"] = _Answer(response.status_code, response.headers.get("Retry-After"))
                response.close()  # its body unread: the connection closes rather than drain a slow one
            except Exception as exc:  # reported by the caller, by kind only
                outcome["error"] = exc
            finally:
                with lock:
                    outcome["done"] = True
                    if outcome.get("left"):  # given up on: its session is no one else's, and would leak
                        session.close()

        worker = threading.Thread(target=call, name=f"webhook:{c.key}", daemon=True)
        worker.start()
        # The worker's own timeouts (connect, then each read) fire at `timeout_s`: waiting a little past it lets a
        # plain timeout or a refused connection end the try as itself, retried in this run. Only a worker still
        # sending after that (an answer dripped a byte at a time) is a try given up on.
        worker.join(c.timeout_s + _GRACE_S)
        with lock:
            left = outcome["left"] = not outcome.get("done")
        if left:
            self._busy, self._session = worker, requests.Session()  # the old session closes when the worker ends
            raise self._stuck(f"no complete answer within timeout_s ({c.timeout_s:g} s)", worker)
        error = outcome.get("error")
        if isinstance(error, requests.ReadTimeout):
            # The receiver may have processed it: retried all the same (an alert lost is worse than
            # one shown twice), with the same idempotency key for the receiver to dedupe.
            raise DeliveryError(
                f"ReadTimeout waiting for the webhook in ${c.url_env} (it may have received the alert)"
            ) from None
        if error is not None:
            # The exception text quotes the URL, which is the secret: report the kind only.
            retryable = isinstance(error, (requests.RequestException, ConnectionError, TimeoutError))
            raise DeliveryError(f"{type(error).__name__} contacting the webhook in ${c.url_env}", retryable) from None
        return outcome["answer"]

    def _stuck(self, what: str, worker: threading.Thread | None = None) -> DeliveryError:
        """The failure of a try given up on while its worker still sends: final for this run (a retry would POST the
        alert beside it), and the channel is down for the rest of the run (`stuck`); the next run sends it again."""
        return DeliveryError(
            f"{what} from the webhook in ${self.channel.url_env} (it may have received the alert; the next run "
            "sends it again, with the same key)",
            retryable=False,
            stuck=True,
            still_sending=worker,
        )

    def _status_error(self, answer: _Answer) -> DeliveryError | None:
        """The failure an HTTP answer means, or None when the receiver accepted the message (2xx)."""
        status = answer.status
        if status < 300:
            return None
        if status < 400:
            # The Location is not quoted: it can carry the same secret path or token as the URL itself.
            return DeliveryError(
                f"webhook answered HTTP {status}: the URL in ${self.channel.url_env} redirects elsewhere, and "
                "redirects are not followed (check the URL is right)",
                retryable=False,
            )
        return DeliveryError(
            f"webhook answered HTTP {status}",
            retryable=status >= 500 or status in (408, 429),
            retry_after=retry_after_seconds(answer.retry_after),
        )

    def close(self) -> None:
        self._session.close()


def _header_value(value: str) -> str:
    """`value`, read from the environment for a header, without the line break at its end (a secret file's)."""
    return value.removesuffix("\n").removesuffix("\r")


def _valid_header(value: str) -> bool:
    """Whether `value` can be sent as a header value (requests refuses line breaks and leading whitespace)."""
    try:
        requests.utils.check_header_validity(("Authorization", value))
    except requests.exceptions.InvalidHeader:
        return False
    return True


def _escalated(kind: str, payload: dict[str, Any], alert: Alert, rose_from: str) -> dict[str, Any]:
    """`payload` as the escalation of a message the channel had at `rose_from`: it says so first, in each format's
    words; the generic webhook's also as data (`escalation`)."""
    note = escalation_note(alert, rose_from)
    if kind == "slack":
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{note}*"}}, *payload["blocks"]]
        return {**payload, "text": f"{note} · {payload['text']}", "blocks": blocks}
    if kind == "teams":
        card = payload["attachments"][0]["content"]
        card["body"].insert(0, {"type": "TextBlock", "weight": "Bolder", "text": note, "wrap": True})
        return payload
    escalation = {"rose_from": rose_from, "severity": alert.severity, "updates": alert.id}
    return {**payload, "text": f"{note} · {payload['text']}", "escalation": escalation}


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """An HTTP Retry-After value (delay in seconds, or an HTTP-date) as seconds from `now`;
    None when absent or unreadable (then the channel's own backoff applies)."""
    return retry_after(value, as_utc(now or datetime.now(UTC)).timestamp())  # the extractors' rule (core.http_dates)
