"""`Trends.covering`: rising and new judged only against a baseline with enough days of data (the caller applies
the reports' coverage rule, groundswell/period_report.py `covered`); a partly covered one at its full length."""

from __future__ import annotations

from datetime import UTC, datetime

from nlp.trends import trends

SINCE, UNTIL = datetime(2026, 11, 8, tzinfo=UTC), datetime(2026, 11, 15, tzinfo=UTC)
NOW = {"battery overheating": 40, "price": 12, "launch": 6}
BEFORE = {"price": 10, "launch": 2}  # the baseline's counts; "battery overheating" is not in it


def _counts(since, until, n):
    return NOW if since == SINCE else BEFORE


def test_a_whole_baseline_judges_rising_and_new():
    window = trends(_counts, SINCE, UNTIL)
    assert window.covering(1.0) is window and window.judged
    assert [r.theme for r in window.rising()] == ["battery overheating", "launch"]
    assert next(r for r in window.themes if r.theme == "battery overheating").new


def test_too_few_days_of_baseline_judge_nothing():
    window = trends(_counts, SINCE, UNTIL).covering(None)
    assert window.judged is False and window.rising() == []
    assert [r.count for r in window.themes] == [40, 12, 6]  # the counts themselves stand


def test_a_partly_covered_baseline_is_read_at_its_length():
    # 7 of the baseline's 14 days have data: its counts are half what a whole baseline would hold
    window = trends(_counts, SINCE, UNTIL).covering(2.0)
    expected = {r.theme: r.expected for r in window.themes}
    assert expected == {"battery overheating": 0.0, "price": 20.0, "launch": 4.0}
    assert [r.theme for r in window.rising()] == ["battery overheating"]  # launch: 6 vs 4 is no rise; 6 vs 2 was
