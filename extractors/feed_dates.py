"""The time of a feed entry, read so that the zone a date names never silently becomes UTC.

feedparser reads RFC 822 dates (RSS's `pubDate`) and ISO 8601 ones and knows a handful of zone names (GMT, the US
ones, MET/MEST); any other zone it reads as UTC without a word: `10:00 CEST` became 10:00Z (it is 08:00Z), `18:00 KST`
18:00Z (09:00Z), and so did `10:00 Europe/Rome`, `10:00 KST+0900` and `10:00 UT+9`. So the word that names a date's
zone is found here, in the raw string (`_zone_word`), and read by its kind:
- a numeric offset (`+0900`, ISO 8601's `Z` or `+05:30`): feedparser's reading, as before (`+09`, which feedparser
  does not read, is read here);
- a name with an offset (`KST+0900`, `UT+9`, `UTC+09:00`, `GMT-5`): that offset, east of UTC as people write it;
- an IANA name (`Europe/Rome`, `Asia/Seoul`, `PST8PDT`; `core.time.check_zone`): that zone's offset at the date's
  wall time, summer time included;
- a name of letters: the one table `ZONES`;
- a name that means different times in different places (`AMBIGUOUS`: IST), one the table lacks, or any other word in
  the zone's place that a `time_zones` key can name (`Foo/Bar`; `zone_key`): never guessed. The entry is skipped
  (`UnknownZone`) with a reason naming the `time_zones` option, which says what a feed means by it (and comes before
  all of the above), and with the earliest instant it can be, before which the feed's cursor is held
  (`extractors/rss.py`) so that it is collected once the option is set;
- a word no `time_zones` key can name (`—`, `2004년`, `U.S.`), or a word with a dot that names no zone (`Hrs.`):
  feedparser's reading, as before (a skip's advice to set `time_zones` could not be followed; such a word is
  punctuation or a date's word in another script, though a zone in another script, `МСК`, stays UTC as it was);
- no zone at all (`2026-11-02T10:00:00`, `Mon, 02 Nov 2026 10:00:00`, `2026-11-02`): the wall time in the feed's
  `timezone` option (an IANA name), UTC without it, flagged `EntryDate.zoneless` so that the run says how many
  entries it read that way, as the import source does for its rows. (An RFC 822 date without a zone was skipped as
  having no readable date, while an ISO 8601 one was read as UTC without a word.) One on a 12-hour clock that
  feedparser does not read still has no readable date: RFC 822 has no PM, `10:00 PM` would be 10:00.
Words of the date are no zone: numbers, times, day and month names by their first three letters (`Nov.`, `Sept.`,
`novembre`; a word's abbreviation dot is no part of it, so `GMT.` is GMT), `a.m.`/`p.m.` and a few filler words, and
words that start with digits (`2nd`, `10h00`).
A wall time in the hour a clock change repeats or skips is read with the offset before the change (`fold=0`).
"""

from __future__ import annotations

import calendar
import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.time import check_zone
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
# Words of a date that are no zone: day and month names, by their first three letters (Tues, Sept, and in other
# languages too: novembre, Juni, octubre), AM/PM (a.m., p.m. with their dots left out), filler words.
_CALENDAR = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
             "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
_CALENDAR_PREFIXES = frozenset(name[:3] for name in _CALENDAR)
_FILLER = {"am", "pm", "at", "on", "of", "the"}
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
# Words that carry a zone, by kind (`_kind`).
_NUMERIC = re.compile(r"^([+-])(\d{1,2})(?::?(\d{2}))?$")  # +0900, +09:00, +09, -0000
_NAMED_OFFSET = re.compile(r"^[A-Za-z]{1,5}([+-])(\d{1,2})(?::?(\d{2}))?$")  # KST+0900, UT+9, UTC+09:00, GMT-5
# A time of day, or an ISO 8601 date-time in one word, with the offset written onto it if any (group 1).
_TIME = re.compile(
    r"^(?:\d{4}-\d{2}-\d{2}[Tt])?\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[AaPp][Mm])?(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_NUMBERS = re.compile(r"^[\d.,/-]+$")  # a day, a year, a numeric date (2026-11-02, 02/11/2026)
_ORDINAL = re.compile(r"^\d+[A-Za-z]")  # a day or an hour with letters after it: 2nd, 1er, 10h00, 10am
_TWELVE_HOUR = re.compile(r"(?i)\d\s*[ap]\.?m\b")  # a time on a 12-hour clock: 10:00 PM, 10 a.m., 10pm
# What a zone word may hold (a `time_zones` key too): one word of letters, digits and `/ _ + -`, with a letter.
_ZONE_WORD = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9_+/-]+$")
# UTC offsets in use run from -12:00 to +14:00: a wall time in any zone is no earlier than itself as UTC minus this.
LARGEST_OFFSET = timedelta(hours=14)


class UnknownZone(SkipItem):
    """An entry dated in a zone name not guessed. `earliest`: the earliest instant its date can be in any zone (its
    wall time read as UTC minus `LARGEST_OFFSET`), None when the date is unreadable whatever the zone."""

    def __init__(self, message: str, name: str, earliest: datetime | None):
        super().__init__(message)
        self.name = name
        self.earliest = earliest


@dataclass(frozen=True)
class EntryDate:
    """When an entry was published, in UTC; `zoneless`: its date named no zone (read in the feed's `timezone`
    option, UTC without it)."""

    when: datetime
    zoneless: bool = False


def parse_offset(value: str) -> int:
    """Minutes east of UTC of `+05:30` / `-0600`; ValueError for anything else or beyond ±14:00."""
    match = _OFFSET.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is no UTC offset (write it like +05:30 or -06:00)")
    return _minutes(match[1], match[2], match[3], value)


def zone_key(name: str) -> str:
    """A `time_zones` key as looked up: upper case. ValueError for what can not stand in a date's zone's place."""
    if not isinstance(name, str) or not _ZONE_WORD.match(name):
        raise ValueError(f"time_zones: {name!r} is no zone name (one word, like IST or KST+0900)")
    return name.upper()


def entry_date(entry: Any, zones: Mapping[str, int] | None = None, timezone: str | None = None) -> EntryDate | None:
    """When `entry` was published (else updated, else created), read as the module docstring says; None without a
    readable date.

    `zones` (upper-case zone word -> minutes east of UTC, the `time_zones` option) says what a feed means by a zone
    word and comes first; `timezone` (an IANA name, the `timezone` option) is the zone of dates that name none.
    Raises `SkipItem` for a date whose zone is not guessed (`UnknownZone`) or whose offset is no offset."""
    for key in _DATE_KEYS:
        parsed = dict.get(entry, f"{key}_parsed")  # plain dict access: skips feedparser's deprecated key aliasing
        raw = dict.get(entry, key)
        if isinstance(raw, str) and raw.strip():
            read = _read(raw, parsed, zones or {}, timezone)
            if read is not None:
                return read
        elif parsed:
            return EntryDate(_struct_time(parsed))
    return None


def entry_time(entry: Any, zones: Mapping[str, int] | None = None, timezone: str | None = None) -> datetime | None:
    """`entry_date`'s time alone."""
    read = entry_date(entry, zones, timezone)
    return read.when if read else None


def _read(raw: str, parsed: Any, zones: Mapping[str, int], timezone: str | None) -> EntryDate | None:
    """One raw date as `entry_date` reads it; None when it is unreadable (the next date key is tried)."""
    raw = _without_comment(raw)
    kind, word = _zone_word(raw)
    if kind is None or word is None:
        return _zoneless(raw, parsed, timezone)
    if kind != "numeric" and word.upper() in zones:
        return EntryDate(_at_offset(raw, word, zones[word.upper()]))
    if kind == "unknown":
        # No zone to skip it for with advice that can be followed (`_kind`): feedparser's reading, as before.
        return EntryDate(_struct_time(parsed)) if parsed else None
    if kind == "numeric":
        if parsed:
            return EntryDate(_struct_time(parsed))
        numeric = _NUMERIC.match(word)  # an offset feedparser does not read (+09)
        try:
            return EntryDate(_at_offset(raw, word, _minutes(numeric[1], numeric[2], numeric[3] or "00", word)))
        except (TypeError, ValueError, SkipItem):  # TypeError: no match (an offset written onto an ISO time)
            return None
    if kind == "named_offset":
        match = _NAMED_OFFSET.match(word)
        try:
            offset = _minutes(match[1], match[2], match[3] or "00", word)
        except ValueError as exc:
            raise SkipItem(f"date {raw.strip()[:60]!r}: {exc}") from None
        return EntryDate(_at_offset(raw, word, offset))
    if kind == "iana":
        try:
            zone = ZoneInfo(check_zone(word))
        except ValueError:
            pass  # no IANA zone: not guessed, below
        else:
            try:
                return EntryDate(_wall_time(raw, word).replace(tzinfo=zone).astimezone(UTC))
            except (OverflowError, ValueError) as exc:
                raise SkipItem(f"date {raw.strip()[:60]!r}: unreadable with its zone {word} ({exc})") from None
    if kind == "name" and word.upper() not in AMBIGUOUS and word.upper() in ZONES:
        return EntryDate(_at_offset(raw, word, ZONES[word.upper()]))
    raise _unknown(raw, word)


def _zoneless(raw: str, parsed: Any, timezone: str | None) -> EntryDate | None:
    """A date that names no zone: its wall time (feedparser's, which reads it as UTC, else RFC 822's without a zone,
    which feedparser does not read) in `timezone`, else UTC."""
    if not parsed and _TWELVE_HOUR.search(raw):
        return None  # RFC 822 has no AM/PM: `Nov 2, 2026 10:00 PM` would read as 10:00
    try:
        wall = _struct_time(parsed).replace(tzinfo=None) if parsed else _wall_time(raw, None)
    except (OverflowError, ValueError):
        return None
    try:
        return EntryDate(wall.replace(tzinfo=ZoneInfo(timezone) if timezone else UTC).astimezone(UTC), zoneless=True)
    except (OverflowError, ValueError) as exc:
        raise SkipItem(f"date {raw.strip()[:60]!r}: unreadable in {timezone} ({exc})") from None


def _unknown(raw: str, word: str) -> UnknownZone:
    name = word.upper()
    if name in AMBIGUOUS:
        meaning = f"it may be {AMBIGUOUS[name]}"
    elif "/" in word:
        meaning = "no IANA time zone"
    else:
        meaning = "an unknown zone name"
    try:
        earliest: datetime | None = _wall_time(raw, word) - LARGEST_OFFSET
    except (OverflowError, ValueError):
        earliest = None  # unreadable in any zone: no instant to hold a cursor before
    return UnknownZone(
        f"date {raw.strip()[:60]!r} is in {word}: {meaning}; not guessed (set options.time_zones: "
        f"{{{word}: '+HH:MM'}} to say what this feed means by it)",
        name,
        earliest,
    )


def _zone_word(raw: str) -> tuple[str | None, str | None]:
    """The kind of zone `raw` names and the word that names it: ("numeric", "+0900"), ("named_offset", "UT+9"),
    ("iana", "Europe/Rome"), ("name", "CEST"), ("unknown", word) or (None, None) for a date without a zone. An
    offset written anywhere wins (feedparser reads it); else the last word that is no part of the date and that a
    `time_zones` key can name; else ("unknown", word) when some other word is no part of the date either."""
    found: tuple[str | None, str | None] = (None, None)
    unknown: tuple[str | None, str | None] = (None, None)
    for position, word in enumerate(w.strip(",") for w in raw.split()):
        kind, zone = _kind(word)
        if position == 0 and kind != "numeric":
            continue  # the first word is a day's name (in any language), a date or an ISO 8601 date-time
        if kind == "numeric":
            return kind, zone
        if kind == "unknown":
            unknown = (kind, zone)  # a name found anywhere says more than such a word
        elif kind is not None:
            found = (kind, zone)
    return found if found[0] is not None else unknown


def _kind(word: str) -> tuple[str | None, str | None]:
    """What one word of a date says of its zone: (kind, the zone's word, without an abbreviation's dot), or
    (None, None) for a part of the date. Every kind that can raise `UnknownZone` ("name", "iana") is a word
    `zone_key` takes, so that its advice (set `time_zones`) can be followed; any other word is "unknown".
    A word with a dot after it (Nov., GMT., a.m.) is read without the dot; as a zone only when it names one (GMT.,
    CEST., Europe/Rome.): feedparser read any other one (Hrs.) as before this rule, and still does."""
    if len(word) > 1 and word.endswith("."):
        kind, zone = _kind_of(word[:-1])
        if kind == "name" and zone is not None and zone.upper() not in ZONES and zone.upper() not in AMBIGUOUS:
            return "unknown", zone
        if kind == "iana" and zone is not None and not _iana(zone):
            return "unknown", zone
        return kind, zone
    return _kind_of(word)


def _iana(word: str) -> bool:
    try:
        check_zone(word)
    except ValueError:
        return False
    return True


def _kind_of(word: str) -> tuple[str | None, str | None]:
    """`_kind` of a word without an abbreviation's dot."""
    if not word:
        return None, None
    if time := _TIME.match(word):
        return ("numeric", time[1]) if time[1] else (None, None)
    if _NUMERIC.match(word):
        return "numeric", word
    if _NUMBERS.match(word) or _ORDINAL.match(word) or _calendar_word(word):
        return None, None
    if word.isalpha() and word.isascii():
        return "name", word
    if _NAMED_OFFSET.match(word):
        return "named_offset", word
    if _ZONE_WORD.match(word):
        return "iana", word  # Europe/Rome, PST8PDT; `check_zone` decides
    return "unknown", word


def _calendar_word(word: str) -> bool:
    """A day's or month's name or abbreviation, by its first three letters (Tues, Sept, novembre), AM/PM (a.m.,
    p.m.) or a filler word."""
    low = word.lower().replace(".", "")  # a.m. -> am
    if not (low.isalpha() and low.isascii()):
        return False
    return low in _FILLER or low[:3] in _CALENDAR_PREFIXES


def _without_comment(raw: str) -> str:
    """`raw` without an RFC 822 comment at its end (`… -0500 (EST)`): a comment names no zone."""
    cut = raw.find("(")
    return raw[:cut].rstrip() if cut > 0 else raw


def _minutes(sign: str, hours: str, minutes: str, written: str) -> int:
    """Minutes east of UTC; ValueError beyond ±14:00."""
    total = int(hours) * 60 + int(minutes)
    if total > 14 * 60 or int(minutes) >= 60:
        raise ValueError(f"{written!r} is no UTC offset (from -14:00 to +14:00)")
    return total if sign == "+" else -total


def _at_offset(raw: str, word: str, offset: int) -> datetime:
    """`raw`'s wall time at `offset` minutes east of UTC, as UTC."""
    try:
        return _wall_time(raw, word) - timedelta(minutes=offset)
    except (OverflowError, ValueError) as exc:
        raise SkipItem(f"date {raw.strip()[:60]!r}: unreadable with its zone {word} ({exc})") from None


def _struct_time(parsed: Any) -> datetime:
    """feedparser's parsed date (a UTC struct_time) as a UTC datetime."""
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)


def _wall_time(raw: str, word: str | None) -> datetime:
    """The date and time `raw` writes, its zone `word` left out, as if in UTC: RFC 822 (with or without the day's
    name), else ISO 8601. ValueError when it is neither."""
    if word is not None:
        # the word as `_zone_word` found it: after a space or a comma, with its abbreviation's dot (GMT.) if any
        pattern = rf"(?i)(?<![^\s,]){re.escape(word)}\.?(?![^\s,])"
        rfc, iso = re.sub(pattern, "+0000", raw, count=1), re.sub(pattern, "", raw, count=1).strip()
    else:
        rfc, iso = raw, raw.strip()
    wall = email.utils.parsedate_tz(rfc)
    if wall is not None:
        return datetime(*wall[:6], tzinfo=UTC)
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)
