"""The rising-themes baseline (nlp/trends.py) and the local-day rule under it (core/local_days.py) across clock
changes: a window of whole local days is compared with whole local days; any other window with a fixed length."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.local_days import days_earlier, whole_days
from core.time import local_midnight
from nlp.trends import BASELINE_MIN, baseline_window, trends

ROME = "Europe/Rome"
OCT_26 = local_midnight(datetime(2026, 10, 26).date(), ROME)  # the day after Rome's 25-hour day
OCT_27 = local_midnight(datetime(2026, 10, 27).date(), ROME)


def test_whole_days_counts_local_days_whatever_their_hours():
    oct_25 = local_midnight(datetime(2026, 10, 25).date(), ROME)
    assert whole_days(oct_25, OCT_26, ROME) == 1  # 25 hours
    assert whole_days(local_midnight(datetime(2026, 3, 29).date(), ROME),
                      local_midnight(datetime(2026, 3, 30).date(), ROME), ROME) == 1  # 23 hours
    assert whole_days(oct_25, OCT_26 + timedelta(days=6), ROME) == 7
    assert whole_days(oct_25 + timedelta(hours=1), OCT_26, ROME) is None  # not from a midnight
    assert whole_days(oct_25, OCT_26, None) is None  # no zone: no local days


def test_days_earlier_keeps_the_wall_clock():
    assert days_earlier(OCT_26, 1, ROME) == datetime(2026, 10, 24, 22, tzinfo=UTC)  # 00:00 CEST on the 25th
    assert days_earlier(OCT_26, 7, ROME) == datetime(2026, 10, 18, 22, tzinfo=UTC)
    # 14:00 CET on 28 October, a week back: 14:00 CEST on the 21st
    assert days_earlier(datetime(2026, 10, 28, 13, tzinfo=UTC), 7, ROME) == datetime(2026, 10, 21, 12, tzinfo=UTC)


def test_a_local_day_is_compared_with_the_seven_local_days_before_it():
    assert baseline_window(OCT_26, OCT_27, tz=ROME) == (datetime(2026, 10, 18, 22, tzinfo=UTC), OCT_26)
    # Without a zone, or for a window that is not whole local days, a fixed length as before.
    assert baseline_window(OCT_26, OCT_27) == (OCT_26 - BASELINE_MIN, OCT_26)
    hour = OCT_26 + timedelta(hours=5)
    assert baseline_window(hour, hour + timedelta(hours=1), tz=ROME) == (hour - BASELINE_MIN, hour)
    # An alert's baseline that ends earlier keeps its end; whole days back from it.
    early = OCT_26 - timedelta(days=2)
    assert baseline_window(OCT_26, OCT_27, early, tz=ROME) == (days_earlier(early, 7, ROME), early)


def test_a_local_day_is_a_seventh_of_its_week_however_many_hours_it_has():
    asked = []

    def counts(since, until, n):
        asked.append((since, until))
        return {"battery": 7} if since < OCT_26 else {"battery": 3}

    window = trends(counts, OCT_26, OCT_27, tz=ROME)
    (rise,) = window.themes
    assert asked[-1] == (datetime(2026, 10, 18, 22, tzinfo=UTC), OCT_26)  # 169 hours: the 25th has 25
    assert rise.expected == 1.0  # 7 over 7 days, at one day: not 7 × 24/169
