"""Synthetic hourly count series with a daily rhythm, for detector tests."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from alerts.series import CountSeries, from_counts

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def rhythm_series(days: int = 21, level: float = 20.0, share: float = 0.15, seed: int = 1):
    """(negative, total) arrays: busy afternoons, quiet nights, Poisson noise."""
    rng = np.random.default_rng(seed)
    hours = np.arange(days * 24)
    hod = hours % 24
    rate = level * (0.3 + np.exp(-(((hod - 14) / 4) ** 2)))
    total = rng.poisson(rate).astype(float)
    negative = rng.binomial(total.astype(int), share).astype(float)
    return negative, total


def series(negative, total) -> CountSeries:
    return from_counts(START, negative, total)


def add_negative(negative, total, at: int, extra: list[int]) -> None:
    """Plant extra negative mentions (they add to the total too)."""
    for k, n in enumerate(extra):
        negative[at + k] += n
        total[at + k] += n


def add_viral_positive(negative, total, at: int, extra: list[int], negative_share: float = 0.1, seed: int = 5):
    """A viral positive burst: lots more mentions, a few of them negative (below the usual share)."""
    rng = np.random.default_rng(seed)
    for k, n in enumerate(extra):
        neg = rng.binomial(n, negative_share)
        negative[at + k] += neg
        total[at + k] += n
