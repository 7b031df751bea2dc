"""The time of a feed entry, read so that a named time zone never silently becomes UTC.

feedparser reads RFC 822 dates (RSS's `pubDate`) and knows a handful of zone names (GMT, the US ones, MET/MEST);
any other name it reads as UTC without a word: `10:00 CEST` became 10:00Z (it is 08:00Z), `18:00 KST` 18:00Z (09:00Z).
So a date whose zone is a name is read here, from the raw string, with one table (`ZONES`): a name in it is that
offset, a name that means different times in different places (`AMBIGUOUS`: IST) or that the table lacks is
never guessed: the entry is skipped (`UnknownZone`) with a reason naming the `time_zones` option, which says what a
feed means by it, and with the earliest instant it can be, before which the feed's cursor is held (`extractors/rss.py`)
so that it is collected once the option is set. Dates with a numeric offset (`+0900`, ISO 8601's `Z` or `+05:30`)
are feedparser's, as before.
"""

from __future__ import annotations

import calendar
import email.utils
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from extractors.base import SkipItem

# Zone names and their offsets in minutes east of UTC: RFC 822's own (UT, GMT, the US zones; a feed's dates are
# RFC 822's, where CST is US Central by definition) and the common ones no other zone shares.
ZONES: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
    "AKST": -540, "AKDT": -480, "HST": -600,
    "WET": 0, "WEST": 60, "BST": 60, "CET": 60, "CEST": 120, "MET": 60, "MEST": 120, "EET": 120, "EEST": 180,
    "MSK": 180,
    "SGT": 480, "HKT": 480, "AWST": 480, "KST": 540, "JST": 540,
    "ACST": 570, "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
}  # fmt: skip
# Names several zones use: reading one as any of them could be hours off.
AMBIGUOUS: dict[str, str] = {
    "IST": "India +05:30, Israel +02:00 or Ireland +01:00",
}
_DATE_KEYS = ("published", "updated", "created")
_NAMES = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
          "sep", "oct", "nov", "dec", "am", "pm", "at", "on", "of"}  # fmt: skip
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
# UTC offsets in use run from -12:00 to +14:00: a wall time in any zone is no earlier than itself as UTC minus this.
LARGEST_OFFSET = timedelta(hours=14)


class UnknownZone(SkipItem):
    """An entry dated in a zone name not guessed. `earliest`: the earliest instant its date can be in any zone (its
    wall time read as UTC minus `LARGEST_OFFSET`), None when the date is unreadable whatever the zone."""

    def __init__(self, message: str, name: str, earliest: datetime | None):
        super().__init__(message)
        self.name = name
        self.earliest = earliest


def parse_offset(value: str) -> int:
    """Minutes east of UTC of `+05:30` / `-0600`; ValueError for anything else or beyond ±14:00."""
    match = _OFFSET.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is no UTC offset (write it like +05:30 or -06:00)")
    minutes = int(match[2]) * 60 + int(match[3])
    if minutes > 14 * 60 or int(match[3]) >= 60:
        raise ValueError(f"{value!r} is no UTC offset (from -14:00 to +14:00)")
    return minutes if match[1] == "+" else -minutes


def zone_name(raw: str) -> str | None:
    """The zone name a date string carries as a word of its own (`… 10:00:00 CEST`, `… 18:00:00 KST 2026`), upper
    case; None when its zone is numeric or absent."""
    words = [w.strip(",") for w in raw.split()[1:]]  # the first word is a day, a date or an ISO 8601 time
    names = [w for w in words if w.isalpha() and w.isascii() and w.lower()[:3] not in _NAMES]
    return names[-1].upper() if names else None


def entry_time(entry: Any, zones: Mapping[str, int] | None = None) -> datetime | None:
    """When `entry` was published (else updated, else created) in UTC; None without a readable date.

    `zones` (upper-case name -> minutes east of UTC, the `time_zones` option) says what a feed means by a name and
    comes before `ZONES`. Raises `SkipItem` for a date whose zone is a name that is ambiguous or unknown."""
    for key in _DATE_KEYS:
        parsed = dict.get(entry, f"{key}_parsed")  # plain dict access: skips feedparser's deprecated key aliasing
        raw = dict.get(entry, key)
        name = zone_name(raw) if isinstance(raw, str) else None
        if name is not None:
            return _named(raw, name, zones or {})
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    return None


def _named(raw: str, name: str, zones: Mapping[str, int]) -> datetime:
    """`raw`'s wall time in the zone `name` means, as UTC."""
    offset = zones.get(name, ZONES.get(name) if name not in AMBIGUOUS else None)
    if offset is None:
        meaning = f"it may be {AMBIGUOUS[name]}" if name in AMBIGUOUS else "an unknown zone name"
        try:
            earliest: datetime | None = _wall_time(raw, name) - LARGEST_OFFSET
        except (OverflowError, ValueError):
            earliest = None  # unreadable in any zone: no instant to hold a cursor before
        raise UnknownZone(
            f"date {raw.strip()[:60]!r} is in {name}: {meaning}; not guessed (set options.time_zones: "
            f"{{{name}: '+HH:MM'}} to say what this feed means by it)",
            name,
            earliest,
        )
    try:
        return _wall_time(raw, name) - timedelta(minutes=offset)
    except (OverflowError, ValueError) as exc:
        raise SkipItem(f"date {raw.strip()[:60]!r}: unreadable with its zone {name} ({exc})") from None


def _wall_time(raw: str, name: str) -> datetime:
    """The date and time `raw` writes, as if in UTC: RFC 822 (with or without the day's name), else ISO 8601."""
    pattern = rf"(?i)(?<!\S){re.escape(name)}(?!\S)"
    wall = email.utils.parsedate_tz(re.sub(pattern, "+0000", raw, count=1))
    if wall is not None:
        return datetime(*wall[:6], tzinfo=UTC)
    return datetime.fromisoformat(re.sub(pattern, "", raw, count=1).strip()).replace(tzinfo=UTC)
