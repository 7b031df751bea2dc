"""What every sender does, how it says a send failed, and the key receivers dedupe on."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.alert import Alert


class DeliveryError(Exception):
    """A failed send. `retryable` when trying again may help (network down, 5xx, 429);
    `retry_after`: seconds the receiver asked us to wait (HTTP Retry-After), if it said.
    `stuck`: a try given up on whose request may still be under way (a webhook's worker past `timeout_s`): nothing
    more goes to that channel in this run (a retry would send beside it); the next run sends it again.
    `still_sending`: that request's worker, when there is one: the alert's claim is kept until it ends.

    Messages never contain the destination URL or credentials: a Slack webhook URL *is*
    the secret, and exception texts from HTTP clients usually quote it.
    """

    def __init__(
        self,
        message: str,
        retryable: bool = True,
        retry_after: float | None = None,
        stuck: bool = False,
        still_sending: threading.Thread | None = None,
    ):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.stuck = stuck
        self.still_sending = still_sending


@dataclass(frozen=True)
class Report:
    """A message for people that is not an alert (the weekly/monthly report), rendered once per
    format by its author; each channel sends the format it speaks. `id` is stable for one report
    and channel scope: it is the email Message-ID and the webhook idempotency key."""

    id: str
    subject: str
    text: str
    html: str
    slack: dict[str, Any] = field(default_factory=dict)
    teams: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # generic webhook and JSONL


class Sender(Protocol):
    def send(self, alert: Alert, thread: str | None = None, rose_from: str | None = None) -> None:
        """Deliver one alert or raise DeliveryError. `thread`: the first alert of its incident this channel got
        (`alerts.render`: a follow-up updates that one; the first one a channel takes is a new message).
        `rose_from`: the severity the channel got `alert` at before, when this is its escalation (an update of that
        message, saying it rose: `escalation_note`), None for a first send."""
        ...

    def send_report(self, report: Report) -> None:
        """Deliver one report or raise DeliveryError."""
        ...

    def close(self) -> None: ...


def idempotency_key(channel: str, message_id: str, install: str = "") -> str:
    """The key a receiver can drop duplicates by: the same for one message on one channel of one installation on
    every retry and re-run (delivery is at-least-once), different per channel, per message and per installation
    (`install`: `alerts.install_id.install_id`, random, made once per store), so an incident's follow-ups (their own
    alert ids) are never mistaken for the opening message, and two installs that both name a channel `webhook`
    never give one receiver the same key for different alerts. `message_id`: an alert id, a report's id, or an
    escalation's (`escalation_id`)."""
    # Without an install (a caller outside delivery) the key is what it was before installs were mixed in.
    prefix = f"{install}\x00" if install else ""
    return hashlib.sha256(f"{prefix}{channel}\x00{message_id}".encode()).hexdigest()[:32]


def escalation_id(alert: Alert) -> str:
    """The message id of `alert`'s escalation to its current severity (`rose_from` set): not the alert's own id, so
    its idempotency key differs from the first send's (a deduplicating receiver takes it), and stable, so a re-send
    of that escalation keeps its key."""
    return f"{alert.id}.rose-to-{alert.severity}"  # dots only: it is also an email Message-ID's left part


def escalation_note(alert: Alert, rose_from: str) -> str:
    """What an escalation message says first: the severity it rose from and to."""
    return f"Escalation: severity rose from {rose_from} to {alert.severity}"


def as_delivery_error(exc: Exception) -> DeliveryError:
    """Any exception a sender raised, as a DeliveryError: a channel's bug or a payload that
    cannot be encoded is that channel's failed send, never a crash of the run.

    Only connection trouble and timeouts are worth retrying; anything else (a TypeError, a
    ValueError from encoding) would fail the same way again. Only the type is reported: an
    HTTP client's message may quote the URL, which can be the secret."""
    if isinstance(exc, DeliveryError):
        return exc
    retryable = isinstance(exc, (ConnectionError, TimeoutError))
    return DeliveryError(f"unexpected {type(exc).__name__} in the channel", retryable=retryable)
