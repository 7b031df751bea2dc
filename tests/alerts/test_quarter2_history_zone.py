"""A learning spike's summary says its history's end on the same clock as the rest of the text (finding 9 of the
quarterly review: 'before 6 Dec 00:00 UTC' inside a sentence otherwise in New York time)."""

from __future__ import annotations

from datetime import UTC, datetime

from alerts.explain import headline, summary_in
from alerts.wording import history_before
from core.alert import Alert

END = datetime(2014, 12, 6, 1, tzinfo=UTC)  # the window 23:00-01:00 UTC: 18:00-20:00 on 5 Dec in New York


def _alert() -> Alert:
    return Alert(kind="spike", brand="Apple", window_start=datetime(2014, 12, 5, 23, tzinfo=UTC), window_end=END,
                 observed=18, expected=4, statistic="z", score=4.0, p_value=0.001, negative_share=0.6,
                 expected_share=0.3, baseline_days=4.2)


def test_history_before_is_on_the_readers_clock():
    a = _alert()
    assert history_before(a) == "4.2 days of history before 6 Dec 00:00 UTC"  # UTC stays as it was
    assert history_before(a, "America/New_York") == "4.2 days of history before 5 Dec 19:00 EST"


def test_a_local_summary_has_one_clock():
    a = _alert()
    a.summary = headline(a) + " More."
    local = summary_in(a, "America/New_York")
    assert "before 5 Dec 19:00 EST" in local and "UTC" not in local, local
