"""The rising-themes rule (nlp/trends.py) on plain counts."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from nlp.trends import BASELINE_MIN, baseline_window, compare, rising, trends

DAY = datetime(2026, 11, 10, tzinfo=UTC)


def test_a_day_is_compared_with_the_week_before_and_a_month_with_the_month_before():
    assert baseline_window(DAY, DAY + timedelta(days=1)) == (DAY - BASELINE_MIN, DAY)
    assert baseline_window(DAY, DAY + timedelta(days=30)) == (DAY - timedelta(days=30), DAY)


def test_rising_means_enough_mentions_and_two_noise_units_above_the_scaled_baseline():
    # Baseline counts over a week, the window is a day: expected = weekly count / 7.
    week = {"steady": 700, "growing": 490, "tiny": 0, "falling": 140}
    today = {"steady": 100, "growing": 100, "tiny": 2, "falling": 5, "brand new": 9}
    themes = compare(today, week, 1 / 7)
    by = {r.theme: r for r in themes}
    assert by["growing"].expected == pytest.approx(70) and by["growing"].score == pytest.approx(30 / math.sqrt(71))
    assert by["brand new"].new and not by["tiny"].new  # counted in the baseline, even at 0
    assert by["tiny"].growth == pytest.approx(3.0)  # ×3, but 2 posts are too few to call it rising
    assert [r.theme for r in rising(themes)] == ["brand new", "growing"]  # 9.0 and 3.56 noise units


def test_a_mixed_posts_theme_never_rises():
    """A theme with no common phrase or word (nlp/theme_labels.py MIXED, made unique by a number or its
    parent's label) rising says only that volume rose: it is never named as a rising theme."""
    week = {"mixed posts": 70, "mixed posts (2)": 7, "battery › mixed posts": 7, "battery fire": 7}
    today = {"mixed posts": 60, "mixed posts (2)": 40, "battery › mixed posts": 40, "battery fire": 40}
    themes = compare(today, week, 1 / 7)
    assert all(r.score >= 2 for r in themes)  # every one would rise by counts alone
    assert [r.theme for r in rising(themes)] == ["battery fire"]


def test_trends_reads_the_window_and_its_baseline_through_one_function():
    asked = []

    def counts(since, until, n):
        asked.append((since, until, n))
        return {"overheating": 30} if since == DAY else {"overheating": 7}

    day = trends(counts, DAY, DAY + timedelta(days=1))
    assert asked[1][:2] == (DAY - timedelta(days=7), DAY)
    (r,) = day.rising()
    assert (r.theme, r.count, r.expected, r.new) == ("overheating", 30, pytest.approx(1.0), False)
