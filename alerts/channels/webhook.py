"""Slack incoming webhooks, Microsoft Teams (Workflows) webhooks and generic JSON webhooks.

Plain `requests` rather than apprise: our messages need exact payloads (Slack Block Kit,
Teams Adaptive Card, our own JSON), we need to see the HTTP status to decide whether to retry,
and the same code must be testable against a local HTTP server — apprise's Slack and Teams
plugins build the vendor hostnames from tokens and cannot be pointed at 127.0.0.1.

Every payload carries `idempotency_key` (also sent as the `Idempotency-Key` header): delivery is
at-least-once (a read timeout, or a crash between the receiver's 200 and our record of it,
sends again), and the key, stable per alert and channel, lets a receiver drop the repeat.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

from alerts.channels.base import DeliveryError, Report, idempotency_key
from alerts.config import WebhookChannel
from alerts.render import as_json, as_slack, as_teams
from core.alert import Alert
from core.time import as_utc

_PAYLOAD = {"slack": as_slack, "teams": as_teams, "webhook": as_json}


class WebhookSender:
    def __init__(
        self, channel: WebhookChannel, env: Mapping[str, str], tz: str = "UTC", competitors: Collection[str] = ()
    ):
        self.channel = channel
        self.tz = tz  # the wall clock of the times in its messages (digest.timezone)
        self.competitors = frozenset(competitors)  # brands marked as a competitor's (alerts.render.COMPETITOR)
        self._url = env.get(channel.url_env, "")
        self._session = requests.Session()

    def body(self, alert: Alert, thread: str | None = None) -> bytes:
        """The JSON request body, with the idempotency key inside it (a header can be dropped
        by a proxy or a workflow tool; the body reaches whatever handles the message)."""
        payload = _PAYLOAD[self.channel.type](alert, thread, self.tz, alert.brand in self.competitors)
        return self._encode(payload, idempotency_key(self.channel.key, alert.id))

    def _encode(self, payload: dict, key: str) -> bytes:
        payload = {**payload, "idempotency_key": key}
        try:
            # allow_nan=False: JSON has no Infinity/NaN, and a receiver would reject them.
            return json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            # Sending it again cannot help: a permanent failure of this alert, not of the channel.
            raise DeliveryError(f"message cannot be encoded as JSON ({exc})", retryable=False) from None

    def send(self, alert: Alert, thread: str | None = None) -> None:
        self._post(lambda: self.body(alert, thread), idempotency_key(self.channel.key, alert.id))

    def send_report(self, report: Report) -> None:
        payload = {"slack": report.slack, "teams": report.teams}.get(self.channel.type) or {
            "text": report.subject,
            "report": report.data,
        }
        key = idempotency_key(self.channel.key, report.id)
        self._post(lambda: self._encode(payload, key), key)

    def _post(self, body_of: Callable[[], bytes], key: str) -> None:
        # The body is built after the URL check: a missing secret is the error to report first.
        if not self._url:
            raise DeliveryError(f"environment variable {self.channel.url_env} is not set", retryable=False)
        body = body_of()
        try:
            response = self._session.post(
                self._url,
                data=body,
                timeout=self.channel.timeout_s,
                # A redirect is never followed: requests would turn the POST into a GET without the body
                # and take the page it lands on (a login page, say) as the receiver's acceptance.
                allow_redirects=False,
                headers={
                    "Content-Type": "application/json",
                    "Idempotency-Key": key,
                    "User-Agent": "groundswell-alerts",
                },
            )
        except requests.ReadTimeout:
            # The receiver may have processed it: retried all the same (an alert lost is worse than
            # one shown twice), with the same idempotency key for the receiver to dedupe.
            raise DeliveryError(
                f"ReadTimeout waiting for the webhook in ${self.channel.url_env} (it may have received the alert)"
            ) from None
        except requests.RequestException as exc:
            # The exception text quotes the URL, which is the secret: report the kind only.
            raise DeliveryError(f"{type(exc).__name__} contacting the webhook in ${self.channel.url_env}") from None
        error = self._status_error(response)
        if error is not None:
            raise error

    def _status_error(self, response: requests.Response) -> DeliveryError | None:
        """The failure an HTTP answer means, or None when the receiver accepted the message (2xx)."""
        status = response.status_code
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
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )

    def close(self) -> None:
        self._session.close()


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """An HTTP Retry-After value (delay in seconds, or an HTTP-date) as seconds from `now`;
    None when absent or unreadable (then the channel's own backoff applies)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    when = as_utc(when)  # RFC 9110 dates are GMT
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
