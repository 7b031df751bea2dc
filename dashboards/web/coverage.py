"""Whether the span a view is compared with has data: the reports' coverage rule on the dashboard's windows.

The weekly report (`groundswell/period_report.py`: `first_day`, `covered`, `MIN_COMPARE_DAYS`) counts a
previous period or baseline only over the local days from the brand's first stored mention on, and gives no change
when fewer than a week of such days remain: a new install has nothing before it started collecting, and three
days of data read against a whole week looked like a surge (+496% on the demo). The overview's changes, the
compared brands and the Themes page's rising/new judgements read the same rule here, on datetime windows: a window
that ends inside a day (a period still running, an hourly view, a rolling 7 days) counts that day as one of its
days with data, and is as many days long as its length rounded; its counts are scaled by time (the window's
length over the part of it with data), so a rolling window that starts mid-day is not taken for a day longer.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dashboards.web.params import Period
from groundswell.period_report import MIN_COMPARE_DAYS, coverage_reason, covered, first_day
from groundswell.periods import local_midnight
from indexing.base import Store


def window_days(window: Period, tz: str) -> tuple[date, date]:
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


def window_coverage(window: Period, first: date | None, tz: str, brand: str) -> dict[str, Any]:
    """`covered` (the reports' rule) for a datetime `window` of a brand whose first local day with data is
    `first`: `days` of `of`, `comparable`, and besides what the dashboard counts with: `from` (the moment counting
    starts: the window's start, or the first day's midnight when later), `scale` (the window's length over the
    time from `from` to its end: a count over the time with data at the window's length, None when not
    comparable), `first_day` and `reason` (why there is no change, in the report's words; None when the whole
    window has data).

    `of` is the window's length in days (rounded, at least one: a 7-day view ending at 14:00 touches 8 local days
    but is 7 days long), `days` the local days with data it touches (at most `of`), `comparable` as the report
    has it (at least MIN_COMPARE_DAYS of them, or all of a shorter window). Whole days only decide that: the
    scale counts time, so a rolling week whose data starts at the midnight after its start (158 h of its 168)
    scales by 168/158, not 8/7 (which inflated the previous period by 7.5%). For a window of whole local days
    both are the report's `covered` and `period_days / days`."""
    start, end = window_days(window, tz)
    found = covered(start, end, first)
    since = date.fromisoformat(found["since"])
    counted_from = min(max(window.since, local_midnight(since, tz)), window.until)
    length = local_days(window.since, window.until, tz)
    with_data = local_days(counted_from, window.until, tz)
    of = max(1, round(length))
    days = min((end - counted_from.astimezone(ZoneInfo(tz)).date()).days if with_data else 0, of)
    comparable = days >= min(MIN_COMPARE_DAYS, of) and days > 0
    found = {**found, "days": days, "of": of, "comparable": comparable}
    whole = counted_from <= window.since
    first_text = first.isoformat() if first else None
    return {
        **found,
        "from": counted_from.isoformat(),
        "scale": (1.0 if whole else length / with_data) if comparable else None,
        "first_day": first_text,
        "reason": None if whole else coverage_reason(found, brand, first_text),
    }


def brand_firsts(store: Store, brands: list[str], tz: str) -> dict[str, date | None]:
    """Each brand's first local day with data (`period_report.first_day`: spam included, whatever the facets)."""
    return {name: first_day(store, name, tz) for name in brands}


def market_first(firsts: dict[str, date | None]) -> date | None:
    """The first day every brand of a market has data, as the report's share of voice counts it: the latest of
    their first days (a brand without any mention is no sign of missing data)."""
    return max((d for d in firsts.values() if d is not None), default=None)


def moment(text: str) -> datetime:
    """A `from` of `window_coverage` back as a datetime."""
    return datetime.fromisoformat(text)
