"""Time rules shared by every layer: one rule for turning a moment into a UTC datetime.

A naive datetime (no timezone) is UTC, never the machine's local time: exports, query strings and
schedulers hand them over, and a host's timezone must not change which bucket a mention lands in.
"""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime; a naive one is taken to be UTC.

    Raises OverflowError for an aware value with no UTC equivalent (0001-01-01T00:00+01:00).
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def check_range(since: datetime | None, until: datetime | None) -> None:
    """Raises ValueError when both ends are given and `since` is not before `until`: a reversed or empty
    range reads nothing, and a command that did nothing must not report success."""
    if since is not None and until is not None and as_utc(since) >= as_utc(until):
        raise ValueError(f"since ({since.isoformat()}) must be before until ({until.isoformat()})")


def plain_utc(value: datetime | None) -> datetime | None:
    """`as_utc`, and a stdlib datetime: schedulers hand over pendulum DateTimes, whose arithmetic differs."""
    if value is None:
        return None
    return datetime.fromtimestamp(as_utc(value).timestamp(), tz=UTC)
