"""Report periods: an ISO week (Monday to Sunday) or a calendar month, in the digest's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from core.time import local_midnight  # a local day's start: one rule, also for every --since/--until

PeriodKind = Literal["week", "month"]


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
        return f"month:{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        if self.kind == "week":
            return f"week {self.id.split(':')[1]} ({self.start:%d %b} – {self.end - timedelta(days=1):%d %b %Y})"
        return f"{self.start:%B %Y}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period just before this one (the week before, the month before)."""
        return period_containing(self.kind, self.start - timedelta(days=1))

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """Local midnight of `start` to local midnight of `end`, in UTC."""
        return local_midnight(self.start, tz), local_midnight(self.end, tz)


def period_containing(kind: PeriodKind, day: date) -> Period:
    """The week (Monday first) or calendar month that contains `day`."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period("week", start, start + timedelta(days=7))
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return Period("month", start, end)


def last_complete(kind: PeriodKind, today: date) -> Period:
    """The latest week or month that ended before `today` (what a scheduled run reports on)."""
    return period_containing(kind, today).previous()
