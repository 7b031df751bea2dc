"""A surge's themes told as counts name only the span the brand has data for (alerts/evidence._known_span).

A brand collected for two hours read "no such mentions in the 7 days before", as if it had been watched, and
quiet, for a week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.evidence import ThemeCounts, _known_span
from core.mention import Mention
from indexing.sqlite import SqliteStore

NOW = datetime(2026, 11, 3, 21, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def _store(tmp_path, first: datetime) -> SqliteStore:
    store = SqliteStore(tmp_path / "gs.db")
    post = Mention(source="x", native_id="1", text="Newco battery died", created_at=first, brands=["Newco"])
    assert all(r.ok for r in store.upsert([post]))
    return store


def test_a_brand_collected_for_hours_speaks_of_those_hours_not_a_week(tmp_path) -> None:
    store = _store(tmp_path, NOW - timedelta(hours=1, minutes=40))
    try:
        span = _known_span(store, "Newco", NOW - WEEK, NOW)
        assert span == timedelta(hours=2)  # from the hour of its first post
        assert _known_span(store, "Newco", NOW - WEEK, NOW - timedelta(hours=3)) == timedelta(0)
        assert _known_span(store, "Oldco", NOW - WEEK, NOW) == timedelta(0)  # nothing stored for it at all
        # A brand with data the whole span keeps the whole span.
        assert _known_span(store, "Newco", NOW - timedelta(hours=1), NOW) == timedelta(hours=1)
    finally:
        store.close()
    text = ThemeCounts("battery", 3, 3, 0, 0, timedelta(hours=2)).text()
    assert text == "all 3 mentions are in “battery”; no such mentions in the 2 hours before"
    assert ThemeCounts("battery", 3, 3, 0, 0, timedelta(hours=1)).text().endswith("in the hour before")
    assert ThemeCounts("battery", 3, 3, 0, 0, timedelta(0)).text() == (
        "all 3 mentions are in “battery”; no earlier mentions of the brand to compare with")
    assert ThemeCounts("battery", 3, 3, 0, 0, WEEK).text().endswith("no such mentions in the 7 days before")
