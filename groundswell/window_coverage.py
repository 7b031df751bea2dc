"""Whether the span a window is compared with has data: the reports' coverage rule on datetime windows.

The weekly report (`groundswell/period_report.py`: `first_day`, `covered`, `MIN_COMPARE_DAYS`) counts a
previous period or baseline only over the local days from the brand's first stored mention on, and gives no change
when fewer than a week of such days remain: a new install has nothing before it started collecting, and three
days of data read against a whole week looked like a surge (+496% on the demo). The dashboard's overview, its
compared brands and the rising/new judgements of the Themes page, the digest and the static report read the same
rule here (`judged_themes` is the one place rising themes get it), on datetime windows: a window that ends inside a
day (a period still running, an hourly view, a rolling 7 days) counts that day as one of its days with data, and is
as many days long as its length rounded; its counts are scaled by time (the window's length over the part of it
with data), so a rolling window that starts mid-day is not taken for a day longer.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from alerts.theme_tree import WindowThemes
from groundswell.period_report import MIN_COMPARE_DAYS, coverage_reason, covered, first_day
from groundswell.periods import local_midnight
from indexing.base import Filters, Store


class Window(Protocol):
    """A datetime window [since, until) (`dashboards.web.params.Period`, `Span`)."""

    @property
    def since(self) -> datetime: ...

    @property
    def until(self) -> datetime: ...


@dataclass(frozen=True)
class Span:
    """A plain `Window`."""

    since: datetime
    until: datetime


def window_days(window: Window, tz: str) -> tuple[date, date]:
    """The local days [start, end) in `tz` that `window` touches: a partial last day counts as one."""
    start = window.since.astimezone(ZoneInfo(tz)).date()
    last = window.until.astimezone(ZoneInfo(tz)).date()
    end = last if local_midnight(last, tz) >= window.until else last + timedelta(days=1)
    return start, max(end, start)


def local_days(since: datetime, until: datetime, tz: str) -> float:
    """How many local days in `tz` [since, until) spans, a partial day as its share of that day (a day of a
    clock change as one): 7.0 for a week from a local midnight, 158/24 from a midnight to 14:00 six days on."""
    if until <= since:
        return 0.0

    def day_and_share(moment: datetime) -> tuple[date, float]:
        day = moment.astimezone(ZoneInfo(tz)).date()
        start, end = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
        return day, (moment - start) / (end - start)

    (first, into_first), (last, into_last) = day_and_share(since), day_and_share(until)
    return (last - first).days + into_last - into_first


def window_coverage(
    window: Window, first: date | None, tz: str, brand: str, with_data: Collection[date] | None = None
) -> dict[str, Any]:
    """`covered` (the reports' rule) for a datetime `window` of a brand whose first local day with data is
    `first`: `days` of `of`, `comparable`, and besides what the dashboard counts with: `from` (the moment counting
    starts: the window's start, or the first day's midnight when later), `scale` (the window's length over the
    time with data from `from` to its end: a count over the time with data at the window's length, None when not
    comparable), `first_day`, `whole` (every day of the window has data) and `reason` (why there is no change, in
    the report's words; None when the whole window has data).

    `with_data`: the local days its market has any stored mention (`period_report.data_days`); a day without is
    a collection gap, not counted (a week with data on 3 of its 7 days is not a -67.6% week), as the reports count
    it. A last day the window ends inside counts as one with data: a day still running is no gap yet.

    `of` is the window's length in days (rounded, at least one: a 7-day view ending at 14:00 touches 8 local days
    but is 7 days long), `days` the local days with data it touches (at most `of`), `comparable` as the report
    has it (at least MIN_COMPARE_DAYS of them, or all of a shorter window). Whole days only decide that: the
    scale counts time, so a rolling week whose data starts at the midnight after its start (158 h of its 168)
    scales by 168/158, not 8/7 (which inflated the previous period by 7.5%). For a window of whole local days
    both are the report's `covered` and `period_days / days`."""
    start, end = window_days(window, tz)
    if with_data is not None and local_midnight(end, tz) > window.until:  # ends inside its last day
        with_data = {*with_data, end - timedelta(days=1)}
    found = covered(start, end, first, with_data)
    since = date.fromisoformat(found["since"])
    counted_from = min(max(window.since, local_midnight(since, tz)), window.until)
    length = local_days(window.since, window.until, tz)
    with_time = local_days(counted_from, window.until, tz)
    from_day = counted_from.astimezone(ZoneInfo(tz)).date()
    gaps = 0
    if with_data is not None:  # whole days of the counted span without data: their time is not counted
        gaps = sum(1 for i in range((end - from_day).days) if from_day + timedelta(days=i) not in with_data)
        with_time = max(0.0, with_time - gaps)
    of = max(1, round(length))
    days = min((end - from_day).days - gaps if with_time else 0, of)
    comparable = days >= min(MIN_COMPARE_DAYS, of) and days > 0
    found = {**found, "days": days, "of": of, "comparable": comparable}
    whole = counted_from <= window.since and not gaps
    first_text = first.isoformat() if first else None
    return {
        **found,
        "from": counted_from.isoformat(),
        "scale": (1.0 if whole else length / with_time) if comparable else None,
        "first_day": first_text,
        "whole": whole,
        "reason": None if whole else coverage_reason(found, brand, first_text),
    }


def baseline_coverage(store: Store, brand: str | None, window: Window, tz: str) -> dict[str, Any]:
    """`window_coverage` of a themes baseline: from the brand's first day with data (the store's first without
    a brand)."""
    if brand is not None:
        first = first_day(store, brand, tz)
    else:
        hits = store.search(Filters(include_spam=True), size=1, sort="oldest").hits
        first = hits[0].mention.created_at.astimezone(ZoneInfo(tz)).date() if hits else None
    return window_coverage(window, first, tz, brand or "any brand")


def judged_themes(store: Store, brand: str | None, found: WindowThemes, tz: str) -> tuple[WindowThemes, dict[str, Any]]:
    """`found` with rising and new judged only against a baseline with enough days of data (the reports' coverage
    rule: a store that starts inside the baseline made every theme "rising", or "new"), and that baseline's
    coverage (`baseline_coverage`: `days` of `of`, `comparable`). The Themes page, the digest and the static
    report all judge rising themes here."""
    t = found.trends
    coverage = baseline_coverage(store, brand, Span(t.baseline_since, t.baseline_until), tz)
    return replace(found, trends=t.covering(coverage["scale"])), coverage


def not_judged_text(coverage: dict[str, Any]) -> str:
    """Why no theme is rising, as the Themes page says it: 'not judged (the week before has data on 0 of its 7
    days)'."""
    span = "the week before" if coverage["of"] == 7 else "the span before"
    return f"not judged ({span} has data on {coverage['days']} of its {coverage['of']} days)"
