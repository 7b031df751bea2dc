"""Small wording rules shared by the explanation and every detector's sentences."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.baseline import LEARNING_DAYS
from core.alert import Alert, Shift

QUOTES = '"“”'  # what the query lexer reads as a phrase's quotes (core/query/parser.py)


def phrase(term: str, inflect: str | None = None) -> str:
    """A crisis term as a literal phrase in Groundswell's query language: quotes in it (straight or curly:
    a term pasted from a document) are dropped, not read as the end of the phrase. With `inflect` (a
    language code), every form of its words in that language: `"перегрев"~ru`."""
    return '"' + term.translate({ord(q): " " for q in QUOTES}).strip() + '"' + (f"~{inflect}" if inflect else "")


def zone_name(moments: Iterable[datetime], tz: str) -> str:
    """How people read the zone of `moments` (local times in `tz`): its abbreviation ('KST', 'CET/CEST' across a
    clock change), or the IANA name where the zone has none (tzdata writes '+07' for Asia/Bangkok)."""
    names = [t.tzname() or tz for t in moments]
    return "/".join(dict.fromkeys(n if n[:1].isalpha() else tz for n in names))


def moment(at: datetime, tz: str = "UTC") -> str:
    """One time on the wall clock of `tz`, naming the zone: '2026-01-15 19:00 UTC', '2026-01-16 04:00 KST'."""
    local = at.astimezone(ZoneInfo(tz))
    return f"{local:%Y-%m-%d %H:%M} {zone_name([local], tz)}"


def span(start: datetime, end: datetime, tz: str = "UTC") -> str:
    """A window on the wall clock of `tz`, the end's date only when it ends on another day, naming the zone:
    '2026-01-15 19:00–20:00 UTC', '2026-01-15 19:00–2026-01-16 04:00 KST'. Across a clock change each end names
    its own zone, so the hour repeated when clocks go back reads as an hour, not as an empty '02:00–02:00':
    '2026-10-25 02:00 CEST–02:00 CET'; a zone without abbreviations gives each end its UTC offset and the IANA
    name once ('2026-04-04 23:00 UTC-03–23:00 UTC-04 America/Santiago')."""
    zone = ZoneInfo(tz)
    start, end = start.astimezone(zone), end.astimezone(zone)
    same_day = start.date() == (end - timedelta(seconds=1)).date()
    tail = end.strftime("%H:%M") if same_day else end.strftime("%Y-%m-%d %H:%M")
    if start.utcoffset() == end.utcoffset():
        return f"{start:%Y-%m-%d %H:%M}–{tail} {zone_name([start, end], tz)}"
    named = f"{start:%Y-%m-%d %H:%M} {clock_zone(start)}–{tail} {clock_zone(end)}"
    return named if zone_name([start, end], tz) != tz else f"{named} {tz}"


def clock_zone(local: datetime) -> str:
    """The zone of one local time, to tell apart two readings of a clock that went back: its abbreviation ('CEST',
    'CET'), or its UTC offset where tzdata has none ('UTC-03', 'UTC+05:30')."""
    name = local.tzname() or ""
    if name[:1].isalpha():
        return name
    minutes = int((local.utcoffset() or timedelta()) / timedelta(minutes=1))
    sign, minutes = "+" if minutes >= 0 else "-", abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def when(a: Alert, tz: str = "UTC") -> str:
    """The alert's window on the wall clock of `tz` (the team's `digest.timezone` when rendered for people),
    e.g. '2026-01-15 19:00–20:00 UTC'."""
    return span(a.window_start, a.window_end, tz)


def expected_for(a: Alert) -> str:
    """What an alert's `expected` count is for, by the length of its window (one bucket, or a slow
    detector's run of several): 'for this hour and weekday', 'for these 2 hours at this time of day and
    weekday', 'for this weekday', 'for these 3 days and weekdays'."""
    hours = (a.window_end - a.window_start) / timedelta(hours=1)
    if hours <= 1:
        return "for this hour and weekday"
    if hours < 24 or hours % 24:
        return f"for these {hours:g} hours at this time of day and weekday"
    days = hours / 24
    return "for this weekday" if days == 1 else f"for these {days:g} days and weekdays"


def usual_share(a: Alert, history_said: bool = False, tz: str = "UTC") -> str:
    """What a spike's negative share is compared with, to follow the share: ' vs 25% usually'; while the baseline
    is still learning (`Alert.baseline_days` under LEARNING_DAYS), ' vs 25% in its 2.5 days of history before
    2 Feb 00:00 UTC' (`history_before`), or ' vs 25% in that history' when the sentence before said which
    (`history_said`); while the usual share is not known (`expected_share` None: fewer posts before than its prior
    weighs, or a brand without history), a note saying so, never the prior as if it were the brand's."""
    if a.expected_share is None:
        return " (its usual share is not known yet: too few posts before)"
    if learning(a):
        return f" vs {a.expected_share:.0%} in {'that history' if history_said else 'its ' + history_before(a, tz)}"
    return f" vs {a.expected_share:.0%} usually"


def history_before(a: Alert, tz: str = "UTC") -> str:
    """The history a spike's baseline learnt from (`Alert.baseline_days`), said as what it is: '4.2 days of history
    before 6 Dec 00:00 UTC'. The baseline is refitted at each UTC midnight on the days before it (episodes left
    out), so the days are counted to the start of the UTC day the alert was decided in, not to its window. That
    moment is said on the wall clock of `tz`, as every time of the text around it ('before 5 Dec 19:00 EST' in
    New York): one clock in one sentence."""
    day = (a.window_end - timedelta(microseconds=1)).astimezone(ZoneInfo("UTC"))
    refit = datetime(day.year, day.month, day.day, tzinfo=UTC).astimezone(ZoneInfo(tz))
    return f"{a.baseline_days or 0.0:g} days of history before {refit.day} {refit:%b %H:%M} {clock_zone(refit)}"


def learning(a: Alert) -> bool:
    """Whether the alert's baseline is still learning the brand (`Alert.baseline_days` under LEARNING_DAYS): what it
    calls usual is then only what it has seen so far."""
    return a.baseline_days is not None and a.baseline_days < LEARNING_DAYS


def learning_history(a: Alert) -> str:
    """How much history a first-day alert had (`Alert.baseline_days`, in days), in whole hours, never more than it had:
    'no history before this window', 'under an hour of history', '5 hours of history'."""
    hours = (a.baseline_days or 0.0) * 24
    if hours <= 0:
        return "no history before this window"
    if hours < 1:
        return "under an hour of history"
    whole = math.floor(hours)
    return f"{whole} hour{'s' if whole != 1 else ''} of history"


def number(x: float) -> str:
    """A number as people read it: thousands separators, never an exponent (`:g` wrote 2.34568e+06 for a
    follower count), three significant digits for fractions, no trailing zeros. Every detector's expected count
    and multiple is written by it ("600× the 0.05 expected": one decimal wrote 0.05 as "0.1", and 600 as "600.0")."""
    if not math.isfinite(x):  # refused by Alert, but a message about a broken one must still render
        return str(x)
    if x == int(x):
        return f"{x:,.0f}"
    # Digits after the point for three significant ones, none beyond the integer part, at most 6.
    decimals = min(max(2 - math.floor(math.log10(abs(x))), 0), 6)
    text = f"{x:,.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    if text in ("0", "-0"):  # not zero, only too small for six decimals
        return "> -0.000001" if x < 0 else "< 0.000001"
    return text


def p_text(p: float | None) -> str:
    """A p-value as people read it: 'n/a', '0.012' or '1.3e-06'."""
    if p is None:
        return "n/a"
    return f"{p:.1e}" if p < 0.001 else f"{p:.3f}"


def shift_text(s: Shift) -> str:
    """One over-represented value, e.g. 'ko 62% of the surge vs 8% usually'; a theme with the aspect
    that leads it, e.g. '“praise” (mostly “launch”) 90% of the surge vs 30% usually'."""
    usual = "none usually" if not s.usual_share else "under 1% usually" if s.usual_share < 0.005 else (
        f"{s.usual_share:.0%} usually"
    )
    name = f"“{s.value}”" if s.dimension == "theme" else s.value
    if s.aspect:
        name += f" (mostly “{s.aspect}”)"
    return f"{name} {s.share:.0%} of the surge vs {usual}"


def shifts_text(shifts: list[Shift], dimension: str | None = None) -> str:
    """Shifts joined by '; ' (those of one `dimension`, or those of the mix: languages and sources)."""
    dims = (dimension,) if dimension else ("lang", "source")
    return "; ".join(shift_text(s) for s in shifts if s.dimension in dims)
