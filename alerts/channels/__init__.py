"""Delivery channels: one small sender per kind of destination."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TextIO

from alerts.channels.base import DeliveryError, Report, Sender, as_delivery_error, idempotency_key
from alerts.channels.console import ConsoleSender
from alerts.channels.email import EmailSender
from alerts.channels.jsonl import JsonlSender
from alerts.channels.webhook import WebhookSender
from alerts.config import ChannelConfig, ConsoleChannel, EmailChannel, JsonlChannel, WebhookChannel

__all__ = ["DeliveryError", "Report", "Sender", "as_delivery_error", "idempotency_key", "sender_for"]


def sender_for(
    channel: ChannelConfig,
    env: Mapping[str, str],
    stream: TextIO | None = None,
    tz: str = "UTC",
    competitors: Collection[str] = (),
    install: str = "",
) -> Sender:
    """The sender for a configured channel; secrets are looked up in `env` here, once. `tz`: the wall clock its
    messages' times are on (the team's `digest.timezone`); the JSONL channel writes data, so stays UTC.
    `competitors`: the brands whose alerts its messages mark as a competitor's (`brands[].competitor`); `install`: this
    installation's id, mixed into webhook idempotency keys (`alerts.install_id`)."""
    if isinstance(channel, ConsoleChannel):
        return ConsoleSender(stream, tz, competitors)
    if isinstance(channel, JsonlChannel):
        return JsonlSender(channel.path)
    if isinstance(channel, WebhookChannel):
        return WebhookSender(channel, env, tz, competitors, install)
    if isinstance(channel, EmailChannel):
        return EmailSender(channel, env, tz, competitors)
    raise TypeError(f"unknown channel type {type(channel).__name__}")
