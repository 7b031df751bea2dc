"""Time rules shared by every layer: one rule for turning a moment into a UTC datetime, one for which time zone
names are accepted, and one for how a --since/--until (or a dashboard's `since=`, a DAG's `since` param) is read.

A naive datetime (no timezone) is UTC, never the machine's local time: exports, query strings and
schedulers hand them over, and a host's timezone must not change which bucket a mention lands in.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

# How a moment is read (`parse_moment`, `moment_utc`), in the words every --since/--until help and DAG param
# description uses; `{zone}` names the zone a date's midnight is in (digest.timezone, --tz).
MOMENT_RULE = ("a date is that day in {zone}, from its midnight there; a date-time is UTC unless it names an "
               "offset, e.g. 2026-11-02T09:00:00+09:00")
# An offset's "+" left unencoded in a URL arrives as a space (`...T09:00:00 09:00`, pasted from a CSV).
_UNENCODED_PLUS = re.compile(r"(?<=[0-9]) ([0-9]{2}:?[0-9]{2})$")


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


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_zone(value: str) -> str:
    """`value` when it names an IANA time zone (Europe/Rome, Asia/Seoul, UTC); ValueError otherwise.

    The one rule for every zone a config, an import option or a dashboard's `?tz=` names. It is membership in the
    IANA list (`zoneinfo.available_timezones`), not "ZoneInfo() loads it": ZoneInfo("Europe") raises
    IsADirectoryError (an OSError, not a ValueError) and ZoneInfo("posixrules") loads a file no other system
    (Elasticsearch's date histograms) knows by that name.
    """
    if value != "UTC" and value not in _zones():
        shown = value if len(value) <= 60 else value[:60] + "…"
        raise ValueError(f"{shown!r} is not an IANA time zone: use a name such as Europe/Rome, Asia/Seoul or UTC")
    return value


def parse_moment(text: str) -> date | datetime:
    """A --since/--until value as written (`MOMENT_RULE`): YYYY-MM-DD is a `date` (a local day: `moment_utc` places
    it in a zone), anything else an ISO 8601 date-time, returned as an aware UTC datetime (naive = UTC; "Z" or "z";
    an offset whose "+" arrived as a space is read as "+").

    ValueError when it is neither; OverflowError for a date-time with no UTC equivalent (0001-01-01T00:00+01:00).
    """
    text = text.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    text = _UNENCODED_PLUS.sub(r"+\1", text)
    return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")))


def local_midnight(day: date, tz: str) -> datetime:
    """Midnight starting `day` in the zone `tz`, as a UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def moment_utc(value: date | datetime, tz: str = "UTC") -> datetime:
    """A `parse_moment` result as a UTC datetime: a date is its midnight in `tz`, a date-time stays the instant it
    names (naive = UTC)."""
    if isinstance(value, datetime):
        return as_utc(value)
    return local_midnight(value, tz)
