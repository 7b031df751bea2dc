"""Where a brand's count history starts in a scheduled run: at its data, never before.

A scheduled run reads 2 × `baseline_days` of history (`alerts.detect`). For a brand added days ago, most
of that window is before anything was collected for it; filled with zeros (`alerts.series.from_buckets`
fills empty buckets) it read as two quiet weeks: the baseline said "14.0 days of history", expected 0.05
negatives an hour, and the first busy hour went out as "7500× the expected". Empty buckets after the
brand's first stored mention are real quiet hours; those before it are not data at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from alerts.series import floor_time
from indexing.base import Bucket, Filters, Store


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
