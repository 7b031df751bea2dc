"""What every sender does, and how it says a send failed."""

from __future__ import annotations

from typing import Protocol

from alerts.model import Alert


class DeliveryError(Exception):
    """A failed send. `retryable` when trying again may help (network down, 5xx, 429).

    Messages never contain the destination URL or credentials: a Slack webhook URL *is*
    the secret, and exception texts from HTTP clients usually quote it.
    """

    def __init__(self, message: str, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


class Sender(Protocol):
    def send(self, alert: Alert) -> None:
        """Deliver one alert or raise DeliveryError."""
        ...

    def close(self) -> None: ...
