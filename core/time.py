"""Time helpers shared by every layer: one rule for turning a moment into a plain UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime


def plain_utc(value: datetime | None) -> datetime | None:
    """A stdlib UTC datetime: schedulers hand over pendulum DateTimes, whose arithmetic differs."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(value.timestamp(), tz=UTC)
