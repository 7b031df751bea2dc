"""Whether a post's date can be a real post's: the import source's check before it keeps a row.

The future side is the rule every source shares (`extractors.base.Selector.in_future`: the run's clock plus
`CLOCK_SKEW`). The past side is a floor no social post predates: an export's `0001-01-01` (a null written as the
minimum date) or a year typed as `0206` is a broken date, and stored it breaks every date computation around
it (the spam step's look-back, the dashboard's period) for good.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.time import as_utc
from extractors.base import CLOCK_SKEW, Selector

# No post on any platform Groundswell reads predates this (X and Reddit: 2006, Hacker News: 2007).
EARLIEST_POST = datetime(2000, 1, 1, tzinfo=UTC)


def implausible_date(created_at: datetime, selector: Selector) -> str | None:
    """Why `created_at` cannot be a real post's date (before EARLIEST_POST, or later than `selector`'s run clock
    allows), or None when it can."""
    when = as_utc(created_at)
    if when < EARLIEST_POST:
        return f"created_at {when.isoformat()} is before {EARLIEST_POST.date().isoformat()}: not a real post's date"
    if selector.in_future(when):
        return (
            f"created_at {when.isoformat()} is in the future (after {selector.latest_allowed.isoformat()}, this "
            f"run's clock + {CLOCK_SKEW}); read again by later runs, imported once its date has come"
        )
    return None
