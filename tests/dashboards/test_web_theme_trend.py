"""A theme card's trend stays small whatever the period: the interval coarsens, the counts add up.

A custom since/until may span 1900 to 2199; counted by day that was 109,572 counts per card (a 25 MB
answer for 50 cards). Over the real demo SQLite store, through the real app.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from web_support import demo_app, demo_db

from dashboards.web.params import Period
from dashboards.web.views import MAX_TREND_BUCKETS, trend_buckets
from groundswell import demo_corpus as demo
from indexing.sqlite import SqliteStore

CARDS = {"n": "50", "min_count": "1", "samples": "0"}


@pytest.fixture(scope="module")
def client():
    store = SqliteStore(demo_db())
    with TestClient(demo_app(store), base_url="http://127.0.0.1") as client:
        yield client
    store.close()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("since", "until", "interval"),
    [
        ("2026-11-12", "2026-11-14", "hour"),  # short periods keep their hours and days
        ("2026-11-01", "2026-11-15", "day"),
        ("2026-01-01", "2027-01-01", "day"),  # 365 days: within the limit
        ("2025-01-01", "2027-01-01", "week"),
        ("2016-11-07", "2026-11-15", "month"),  # the longest preset, days=3660
        ("1900-01-01", "2199-12-31", "year"),  # the widest custom period the API accepts
    ],
)
def test_the_interval_coarsens_to_stay_within_the_limit(since, until, interval):
    starts, used = trend_buckets(Period(_at(since), _at(until)))
    assert used == interval and 0 < len(starts) <= MAX_TREND_BUCKETS
    assert starts[0] <= _at(since) < (starts[1] if len(starts) > 1 else _at(until)) and starts[-1] < _at(until)
    assert starts == sorted(set(starts))
    if interval == "week":
        assert {s.weekday() for s in starts} == {0}  # Mondays
    if interval in ("month", "year"):
        assert {s.day for s in starts} == {1} and (interval == "month" or {s.month for s in starts} == {1})


def test_a_period_of_centuries_answers_yearly_counts_that_add_up(client):
    wide = client.get("/api/themes", params={**CARDS, "since": "1900-01-01", "until": "2199-12-31"})
    assert wide.status_code == 200
    body = wide.json()
    assert body["trend"]["interval"] == "year" and len(body["trend"]["starts"]) == 300
    assert len(wide.content) < 200_000  # was 25 MB for 50 cards
    # The demo's posts all lie in its 14 days: counted by day there, each card's total is the same.
    until = (demo.START + timedelta(days=demo.DAYS + 1)).date().isoformat()
    daily = client.get("/api/themes", params={**CARDS, "since": demo.START.date().isoformat(), "until": until}).json()
    assert daily["trend"]["interval"] == "day"
    by_day = {r["theme"]: sum(r["trend"]) for r in daily["recurring"] + daily["rising"]}
    by_year = {r["theme"]: sum(r["trend"]) for r in body["recurring"] + body["rising"]}
    assert by_year == by_day and sum(by_year.values()) > 0
    (year_2026,) = [i for i, s in enumerate(body["trend"]["starts"]) if s.startswith("2026-01-01")]
    for r in body["recurring"] + body["rising"]:
        assert len(r["trend"]) == 300 and sum(r["trend"]) == r["trend"][year_2026]
