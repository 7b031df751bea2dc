"""Report periods: an ISO week (Monday to Sunday), a calendar month or a calendar quarter, in the digest's
timezone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from core.time import local_midnight  # a local day's start: one rule, also for every --since/--until
from indexing.base import Bucket

PeriodKind = Literal["week", "month", "quarter"]

# A volume chart's bars (the dashboard's overview and the static report): hours up to HOURLY_UP_TO, local days up
# to DAILY_UP_TO, weeks from local Monday beyond (90 daily bars are 90 unreadable ticks, a year 365; a week is
# what a quarter's trend is read in). `volume_interval` is the rule.
HOURLY_UP_TO = timedelta(days=3)
DAILY_UP_TO = timedelta(days=60)
VolumeInterval = Literal["hour", "day", "week"]


def volume_interval(length: timedelta) -> VolumeInterval:
    """The bars of a volume chart spanning `length`: hour, day or week (HOURLY_UP_TO, DAILY_UP_TO)."""
    if length <= HOURLY_UP_TO:
        return "hour"
    return "day" if length <= DAILY_UP_TO else "week"


def week_start(moment: datetime, tz: str) -> datetime:
    """The local Monday midnight in `tz` (as UTC) that starts the week holding `moment`."""
    day = moment.astimezone(ZoneInfo(tz)).date()
    return local_midnight(day - timedelta(days=day.weekday()), tz)


def weekly(days: list[Bucket], tz: str) -> list[Bucket]:
    """Day buckets (local days in `tz`) summed into weeks from local Monday (`week_start`): the stores count days,
    so the overview, the themes' trend counts and the static report give the same weeks."""
    weeks: dict[datetime, dict[str, int]] = {}
    for b in days:
        week = weeks.setdefault(week_start(b.start, tz), dict.fromkeys(_COUNTS, 0))
        for k in _COUNTS:
            week[k] += getattr(b, k)
    return [Bucket(start=start, **weeks[start]) for start in sorted(weeks)]


_COUNTS = ("negative", "neutral", "positive", "unknown")  # a Bucket's counts


@dataclass(frozen=True)
class Period:
    """Local days [start, end) of one week or month; `id` names it ('week:2026-W47', 'month:2026-11')."""

    kind: PeriodKind
    start: date
    end: date  # exclusive

    @property
    def id(self) -> str:
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"week:{year}-W{week:02d}"
        if self.kind == "quarter":
            return f"quarter:{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"month:{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        if self.kind == "week":
            return f"week {self.id.split(':')[1]} ({self.start:%d %b} – {self.end - timedelta(days=1):%d %b %Y})"
        if self.kind == "quarter":
            last = self.end - timedelta(days=1)
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year} ({self.start:%b} – {last:%b %Y})"
        return f"{self.start:%B %Y}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period just before this one (the week, month or quarter before)."""
        return period_containing(self.kind, self.start - timedelta(days=1))

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """Local midnight of `start` to local midnight of `end`, in UTC."""
        return local_midnight(self.start, tz), local_midnight(self.end, tz)


def period_containing(kind: PeriodKind, day: date) -> Period:
    """The week (Monday first), calendar month or calendar quarter (from January, April, July, October) that
    contains `day`."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period("week", start, start + timedelta(days=7))
    if kind == "quarter":
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        end = start
        for _ in range(3):
            end = (end + timedelta(days=32)).replace(day=1)
        return Period("quarter", start, end)
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return Period("month", start, end)


def last_complete(kind: PeriodKind, today: date) -> Period:
    """The latest week or month that ended before `today` (what a scheduled run reports on)."""
    return period_containing(kind, today).previous()
