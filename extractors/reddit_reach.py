"""How far back a Reddit search reaches: its `t=` time filter, derived from the oldest time a run needs.

Reddit's search takes one of `hour`, `day`, `week`, `month`, `year`, `all` (praw's `time_filter`) and never returns
a post older than it. A fixed `week` made a backfill of a window 20-30 days ago ask for the last week only: Reddit
answered nothing and the run said nothing. The filter is now the narrowest one that covers the run's start (the
window's, or the cursor's when the run reaches back to it), and a filter set by hand that does not reach the start
is said, as X says a window beyond its recent search (`extractors.x.XExtractor._bounds`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.time import as_utc

# Each filter's reach, narrowest first. `month` is taken as 28 days and every span keeps a margin (`SLACK`): Reddit
# does not say where its "past month" starts, and its clock is not ours; asking a little wider only costs items
# the window then leaves out.
SPANS: tuple[tuple[str, timedelta], ...] = (
    ("hour", timedelta(hours=1)),
    ("day", timedelta(days=1)),
    ("week", timedelta(days=7)),
    ("month", timedelta(days=28)),
    ("year", timedelta(days=365)),
)
SLACK = timedelta(minutes=10)
# A run with no start (no window start, no cursor: a first `groundswell collect`) asks what it always asked.
NO_START = "week"


def time_filter_for(start: datetime | None, now: datetime) -> str:
    """The narrowest time filter whose reach covers `start` as seen at `now`; `all` beyond a year."""
    if start is None:
        return NO_START
    age = as_utc(now) - as_utc(start) + SLACK
    return next((name for name, span in SPANS if age <= span), "all")


def reach_of(time_filter: str, now: datetime) -> datetime | None:
    """The oldest time a search with `time_filter` returns (less the margin); None for `all`."""
    span = dict(SPANS).get(time_filter)
    return None if span is None else as_utc(now) - span + SLACK
