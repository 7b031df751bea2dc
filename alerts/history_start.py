"""Where a brand's count history starts in a scheduled run: at its data, never before.

A scheduled run reads 2 × `baseline_days` of history (`alerts.detect`). For a brand added days ago, most
of that window is before anything was collected for it; filled with zeros (`alerts.series.from_buckets`
fills empty buckets) it read as two quiet weeks: the baseline said "14.0 days of history", expected 0.05
negatives an hour, and the first busy hour went out as "7500× the expected". Empty buckets after the
brand's first stored mention are real quiet hours; those before it are not data at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from alerts.series import floor_time
from indexing.base import Bucket, Filters, Store

# Written by `groundswell maintain` (`mark_trimmed`): mentions created before this instant were deleted by
# retention. A series starting there starts at what retention left, not at a brand's first data.
TRIMMED_KEY = "retention:trimmed_before"
TRIMMED_SLACK = timedelta(days=1)  # the oldest post kept may come a little after the cutoff


def mark_trimmed(store: Store, cutoff: datetime) -> None:
    """Record that mentions created before `cutoff` were deleted (never moves back)."""
    known = trimmed_before(store)
    if known is None or cutoff > known:
        store.set_state(TRIMMED_KEY, cutoff.isoformat())


def trimmed_before(store: Store) -> datetime | None:
    """Where retention last cut the store's mentions; None when it never did (or the mark is unreadable)."""
    value = store.get_state(TRIMMED_KEY)
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def is_new_brand(store: Store, brand: str, series_start: datetime) -> bool:
    """Whether a scheduled run's series starting at `series_start` starts at the brand's first data: nothing of the
    brand is stored before it, and it does not start where retention cut the store (a brand watched for months
    whose older mentions `maintain` deleted is no new brand)."""
    if first_stored(store, brand, before=series_start) is not None:
        return False
    trimmed = trimmed_before(store)
    return trimmed is None or series_start > trimmed + TRIMMED_SLACK


def first_stored(store: Store, brand: str, before: datetime | None = None) -> datetime | None:
    """When `brand`'s first stored mention was posted (spam included: collection ran then), looking only before
    `before` when given; None when there is none."""
    page = store.search(Filters(brand=brand, include_spam=True, until=before), size=1, sort="oldest")
    return page.hits[0].mention.created_at if page.hits else None


def history_start(store: Store, brand: str, since: datetime, buckets: Sequence[Bucket], interval: str) -> datetime:
    """The start of `brand`'s count series for a run reading from `since`: `since`, or the bucket of the brand's
    first stored mention when that is later (a brand collected for less than the window).

    `buckets`: the run's histogram from `since` (spam left out). The store is asked (one oldest-first page of one
    mention) only when the window's first bucket is empty."""
    since = floor_time(since, interval)
    counted = floor_time(min(b.start for b in buckets), interval) if buckets else None
    if counted is not None and counted <= since:
        return since
    # Spam is left out of the histogram but shows collection ran: a stored mention before the first counted one.
    first = first_stored(store, brand, before=counted) or counted
    if first is None:
        return since
    return max(since, floor_time(first, interval))
