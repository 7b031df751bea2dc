"""Whether the span a view is compared with has data: the reports' coverage rule on the dashboard's windows.

The weekly report (`groundswell/period_report.py`: `first_day`, `covered`, `MIN_COMPARE_DAYS`) counts a
previous period or baseline only over the local days from the brand's first stored mention on, and gives no change
when fewer than a week of such days remain: a new install has nothing before it started collecting, and three
days of data read against a whole week looked like a surge (+496% on the demo). The overview's changes, the
compared brands and the Themes page's rising/new judgements read the same rule here, on datetime windows: a window
that ends inside a day (a period still running, an hourly view) counts that day as one of its days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dashboards.web.params import Period
from groundswell.period_report import coverage_reason, covered, first_day
from groundswell.periods import local_midnight
from indexing.base import Store


def window_days(window: Period, tz: str) -> tuple[date, date]:
    """The local days [start, end) in `tz` that `window` touches: a partial last day counts as one."""
    start = window.since.astimezone(ZoneInfo(tz)).date()
    last = window.until.astimezone(ZoneInfo(tz)).date()
    end = last if local_midnight(last, tz) >= window.until else last + timedelta(days=1)
    return start, max(end, start)


def window_coverage(window: Period, first: date | None, tz: str, brand: str) -> dict[str, Any]:
    """`covered` (the reports' rule) for a datetime `window` of a brand whose first local day with data is
    `first`: `days` of `of`, `comparable`, and besides what the dashboard counts with: `from` (the moment counting
    starts: the window's start, or the first day's midnight when later), `scale` (of / days: a count over the
    days with data at the window's length, None when not comparable), `first_day` and `reason` (why there is no
    change, in the report's words; None when the window is whole)."""
    start, end = window_days(window, tz)
    found = covered(start, end, first)
    since = date.fromisoformat(found["since"])
    counted_from = min(max(window.since, local_midnight(since, tz)), window.until)
    whole = found["days"] >= found["of"]
    first_text = first.isoformat() if first else None
    return {
        **found,
        "from": counted_from.isoformat(),
        "scale": (found["of"] / found["days"]) if found["comparable"] else None,
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
