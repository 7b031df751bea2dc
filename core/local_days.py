"""Local days: stepping back whole local days of a zone (its midnights: `core.time.local_midnight`).

A day in an IANA zone runs from its local midnight to the next one, 23 or 25 hours across a clock change (the
digest's day, `groundswell digest --day`). A span made of whole local days is compared with the same number of
whole local days before it, never with a fixed length of hours: the day after Rome's 25-hour 25 October would
otherwise be compared with 01:00 on the 25th to 00:00 on the 26th. The weekly report steps back in dates
(`groundswell/periods.py`); the dashboard's "vs previous period" and the themes' baseline step back here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.time import local_midnight


def whole_days(since: datetime, until: datetime, tz: str | None) -> int | None:
    """How many local days of `tz` the span [since, until) is when both ends are local midnights there; None
    otherwise (no zone, an hourly or rolling span), for which a fixed length stays the rule."""
    if tz is None or until <= since:
        return None
    zone = ZoneInfo(tz)
    first, last = since.astimezone(zone).date(), until.astimezone(zone).date()
    if local_midnight(first, tz) != since or local_midnight(last, tz) != until:
        return None
    return (last - first).days


def days_earlier(moment: datetime, days: int, tz: str) -> datetime:
    """`moment` moved `days` local days back in `tz`: the same wall-clock time that many dates earlier (a local
    midnight stays a local midnight, whatever clock change lies between), as a UTC datetime."""
    zone = ZoneInfo(tz)
    wall = moment.astimezone(zone).replace(tzinfo=None) - timedelta(days=days)
    return wall.replace(tzinfo=zone).astimezone(UTC)
