"""Whether the span a view is compared with has data: the reports' coverage rule on the dashboard's windows
(`groundswell.window_coverage`, where the rule lives, shared with the digest and the static report).

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

from datetime import date, datetime

from groundswell.period_report import first_day
from groundswell.window_coverage import local_days, window_coverage, window_days  # noqa: F401 (re-exported)
from indexing.base import Store


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
