"""Slack incoming webhooks, Microsoft Teams (Workflows) webhooks and generic JSON webhooks.

Plain `requests` rather than apprise: our messages need exact payloads (Slack Block Kit,
Teams Adaptive Card, our own JSON), we need to see the HTTP status to decide whether to retry,
and the same code must be testable against a local HTTP server — apprise's Slack and Teams
plugins build the vendor hostnames from tokens and cannot be pointed at 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests

from alerts.channels.base import DeliveryError
from alerts.config import WebhookChannel
from alerts.model import Alert
from alerts.render import as_json, as_slack, as_teams

_PAYLOAD = {"slack": as_slack, "teams": as_teams, "webhook": as_json}


class WebhookSender:
    def __init__(self, channel: WebhookChannel, env: Mapping[str, str]):
        self.channel = channel
        self._url = env.get(channel.url_env, "")
        self._session = requests.Session()

    def send(self, alert: Alert) -> None:
        if not self._url:
            raise DeliveryError(f"environment variable {self.channel.url_env} is not set", retryable=False)
        payload = _PAYLOAD[self.channel.type](alert)
        try:
            response = self._session.post(
                self._url,
                json=payload,
                timeout=self.channel.timeout_s,
                # Lets a receiver that supports it drop duplicates on its side too.
                headers={"Idempotency-Key": alert.id, "User-Agent": "groundswell-alerts"},
            )
        except requests.RequestException as exc:
            # The exception text quotes the URL, which is the secret: report the kind only.
            raise DeliveryError(f"{type(exc).__name__} contacting the webhook in ${self.channel.url_env}") from None
        if response.status_code >= 300:
            retryable = response.status_code >= 500 or response.status_code in (408, 429)
            raise DeliveryError(f"webhook answered HTTP {response.status_code}", retryable=retryable)

    def close(self) -> None:
        self._session.close()
