"""Count series: sentiment counts per time bucket, dense (empty buckets filled with zeros).

Detectors work on these plain arrays, so they are testable and backtestable without a store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from core.time import as_utc
from indexing.base import Bucket

STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


def floor_time(when: datetime, interval: str) -> datetime:
    """Start of the bucket `when` falls in (UTC)."""
    when = as_utc(when)
    if interval == "day":
        return when.replace(hour=0, minute=0, second=0, microsecond=0)
    return when.replace(minute=0, second=0, microsecond=0)


@dataclass
class CountSeries:
    """Dense per-bucket counts for one brand. `negative[i]` counts bucket `start + i*step`."""

    start: datetime
    interval: str
    negative: np.ndarray
    total: np.ndarray
    # Fraction of each bucket already observed (1.0 except a still-running last bucket).
    coverage: np.ndarray

    def __len__(self) -> int:
        return len(self.negative)

    @property
    def step(self) -> timedelta:
        return STEP[self.interval]

    def time(self, i: int) -> datetime:
        return self.start + i * self.step

    def hour_of_day(self) -> np.ndarray:
        if self.interval == "day":
            return np.zeros(len(self), dtype=int)
        return (self.start.hour + np.arange(len(self))) % 24

    def day_of_week(self) -> np.ndarray:
        per_day = 24 if self.interval == "hour" else 1
        first = self.start.weekday() * per_day + (self.start.hour if self.interval == "hour" else 0)
        return ((first + np.arange(len(self))) // per_day) % 7

    def day_index(self) -> np.ndarray:
        """Which calendar day (counted from the series' first day) each bucket is in."""
        per_day = 24 if self.interval == "hour" else 1
        offset = self.start.hour if self.interval == "hour" else 0
        return (offset + np.arange(len(self))) // per_day


def from_buckets(
    buckets: Iterable[Bucket],
    interval: str = "hour",
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
) -> CountSeries:
    """Dense series from a store histogram (which omits empty buckets).

    `end` is exclusive. With `now`, the bucket containing it is marked partly observed so the
    detector scales its expectation instead of judging an hour by its first minutes.
    """
    buckets = sorted(buckets, key=lambda b: b.start)
    step = STEP[interval]
    if start is None:
        start = buckets[0].start if buckets else floor_time(now or datetime.now(UTC), interval)
    start = floor_time(start, interval)
    if end is None:
        last = floor_time(buckets[-1].start, interval) + step if buckets else start
        end = last
        if now is not None:
            end = max(end, floor_time(now, interval) + step)
    n = max(0, int((floor_time(end - timedelta(microseconds=1), interval) - start) / step) + 1) if end > start else 0
    negative = np.zeros(n, dtype=float)
    total = np.zeros(n, dtype=float)
    for b in buckets:
        i = int((floor_time(b.start, interval) - start) / step)
        if 0 <= i < n:
            negative[i] += b.negative
            total[i] += b.total
    coverage = np.ones(n, dtype=float)
    if now is not None and n:
        last_start = start + (n - 1) * step
        if last_start <= now < last_start + step:
            coverage[-1] = max((now - last_start) / step, 1e-3)
    return CountSeries(start=start, interval=interval, negative=negative, total=total, coverage=coverage)


def from_counts(
    start: datetime, negative: Iterable[float], total: Iterable[float], interval: str = "hour"
) -> CountSeries:
    """Series from plain lists (tests, evaluation streams)."""
    neg = np.asarray(list(negative), dtype=float)
    tot = np.asarray(list(total), dtype=float)
    if neg.shape != tot.shape:
        raise ValueError(f"negative and total differ in length: {neg.shape[0]} vs {tot.shape[0]}")
    if np.any(neg > tot):
        raise ValueError("a bucket has more negative mentions than mentions in total")
    return CountSeries(floor_time(start, interval), interval, neg, tot, np.ones(len(neg)))
