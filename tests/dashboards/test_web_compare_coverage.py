"""The dashboard compares with a previous period (overview changes, brands compared, rising and new themes) only
over days that have data, by the weekly report's coverage rule (groundswell/period_report.py: `covered`), so the
two never disagree: a store starting inside the previous period read as a surge (▲496.2% on the demo's second
week, where the digest said "data on 1 of 7 days, too few to compare with" and showed "–")."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from web_support import BRANDS, demo_client

from core.mention import Mention, Sentiment
from dashboards.web.app import create_app
from groundswell.config import parse_config
from groundswell.period_report import build_period_report
from groundswell.periods import Period
from indexing.sqlite import SqliteStore


@pytest.fixture(scope="module")
def demo():
    with demo_client() as opened:
        yield opened


def _get(client, path: str, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_week_whose_previous_week_barely_has_data_shows_no_change_as_the_weekly_report(demo, tmp_path):
    client, store = demo
    body = _get(client, "/api/overview", brand="Lumora", since="2026-11-02", until="2026-11-09")
    totals = body["totals"]
    assert totals["mentions"] > 0
    # the demo's mentions start on 1 November: one day of the previous week has data
    assert totals["coverage"]["comparable"] is False
    assert totals["coverage"]["reason"] == (
        "data on 1 of its 7 days (Lumora's mentions start 2026-11-01), too few to compare with (under 7)")
    assert set(totals["change"].values()) == {None}  # not ▲496.2%
    assert totals["previous"]["mentions"] is None and totals["previous"]["reach"] is None
    for row in body["comparison"]:
        assert set(row["change"].values()) == {None}, row
        assert row["coverage"]["comparable"] is False
    # The weekly report of the same week (Monday 2 November) says the same: no change against the previous week.
    config = parse_config({"brands": [{"name": n, "query": n, "competitor": c} for n, c in BRANDS],
                           "report": {"path": str(tmp_path / "report.html")}})
    report = build_period_report(config, store, Period("week", date(2026, 11, 2), date(2026, 11, 9)))
    assert (report["since"], report["until"]) == ("2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z")
    for brand in report["brands"]:
        assert brand["coverage"]["previous"]["comparable"] is False
        assert all(c["vs_previous"] is None for c in brand["change"].values())


def test_a_week_after_a_whole_week_of_data_keeps_its_changes(demo):
    client, _ = demo
    body = _get(client, "/api/overview", brand="Lumora", since="2026-11-08", until="2026-11-15")
    totals = body["totals"]
    assert totals["coverage"]["comparable"] is True and totals["coverage"]["reason"] is None
    assert totals["change"]["mentions"] is not None


# ---- a previous period partly covered, but with enough days: counted at its length, as the report counts it ----
SINCE, UNTIL = datetime(2026, 2, 10, tzinfo=UTC), datetime(2026, 3, 12, tzinfo=UTC)  # 30 days
FIRST = datetime(2026, 1, 21, tzinfo=UTC)  # the previous 30 days (11 Jan - 10 Feb) hold 20 days of data


def _daily(start: datetime, end: datetime, per_day: int) -> list[Mention]:
    out, day = [], start
    while day < end:
        out += [Mention(source="x", native_id=f"{day:%m%d}-{i}", text=f"Lumora post {i}", brand="Lumora",
                        created_at=day + timedelta(hours=2 * i + 1),
                        sentiment=Sentiment(label="neutral", probs={"neutral": 1.0}, model="t"))
                for i in range(per_day)]
        day += timedelta(days=1)
    return out


def test_a_partly_covered_previous_period_is_counted_at_its_length(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert(_daily(FIRST, SINCE, 2) + _daily(SINCE, UNTIL, 3)))
    with TestClient(create_app(store, ["Lumora"]), base_url="http://127.0.0.1") as client:
        totals = _get(client, "/api/overview", brand="Lumora", since="2026-02-10", until="2026-03-12")["totals"]
    store.close()
    assert totals["mentions"] == 90
    coverage = totals["coverage"]
    assert (coverage["days"], coverage["of"], coverage["comparable"]) == (20, 30, True)
    assert "data on 20 of its 30 days" in coverage["reason"]
    # 40 mentions on 20 days: 2 a day, 60 over 30 days; 90 now is +50%, not +125% against the 40 counted
    assert totals["previous"]["mentions"] == 60.0
    assert totals["change"]["mentions"] == 50.0


# ---- rising and new themes: judged only against a baseline with enough days of data ---------------------------
def test_themes_against_a_baseline_before_the_data_are_neither_rising_nor_new(demo):
    client, _ = demo
    # 10 days up to the newest post (5-15 November) against the 10 before: 4 of them have data
    body = _get(client, "/api/themes", brand="Lumora", days=10)
    assert body["rising_judged"] is False and body["rising"] == []
    coverage = body["previous_period"]["coverage"]
    assert coverage["comparable"] is False and "data on 4 of its 10 days" in coverage["reason"]
    assert body["recurring"] and all(r["new"] is None and r["previous"] is None for r in body["recurring"])
    text = client.get("/api/themes", params={"brand": "Lumora", "days": 10, "format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {(r["rising"], r["new"]) for r in rows} == {("false", "")}  # in the CSV neither


def test_themes_against_a_whole_baseline_are_judged(demo):
    client, _ = demo
    body = _get(client, "/api/themes", brand="Lumora")  # 8-15 November against 1-8 November: 7 of 7 days
    assert body["rising_judged"] is True and body["previous_period"]["coverage"]["comparable"] is True
    assert all(isinstance(r["new"], bool) for r in body["recurring"])


# ---- a rolling window (ending mid-day) is as long as it is: scaled by time, counted in its own days ------------
def test_a_rolling_week_whose_data_starts_the_next_midnight_is_scaled_by_time():
    from dashboards.web.coverage import window_coverage
    from dashboards.web.params import Period as Window

    # 7 days to 14:00: 8 local days touched; the brand's data starts at the midnight after the start, so 158 of
    # its 168 hours have data. Scaled 8/7 (1.143) the previous period read 7.5% too high.
    window = Window(datetime(2026, 3, 1, 14, tzinfo=UTC), datetime(2026, 3, 8, 14, tzinfo=UTC))
    got = window_coverage(window, date(2026, 3, 2), "UTC", "Lumora")
    assert (got["days"], got["of"], got["comparable"]) == (7, 7, True)
    assert got["scale"] == pytest.approx(168 / 158)
    assert got["from"] == "2026-03-02T00:00:00+00:00"
    assert got["reason"] == "data on 7 of its 7 days (Lumora's mentions start 2026-03-02)"
    # A day later: six local days with data, too few; the data from the window's start on: whole, as it is.
    later = window_coverage(window, date(2026, 3, 3), "UTC", "Lumora")
    assert (later["days"], later["of"], later["comparable"], later["scale"]) == (6, 7, False, None)
    assert "data on 6 of its 7 days" in later["reason"]
    whole = window_coverage(window, date(2026, 3, 1), "UTC", "Lumora")
    assert (whole["days"], whole["of"], whole["scale"], whole["reason"]) == (7, 7, 1.0, None)
    # In a zone with a clock change inside the window, whole local days still count as days.
    dst = Window(datetime(2026, 3, 5, 5, tzinfo=UTC), datetime(2026, 3, 12, 4, tzinfo=UTC))  # NY midnights
    moved = window_coverage(dst, date(2026, 3, 8), "America/New_York", "Lumora")
    assert (moved["days"], moved["of"], moved["comparable"]) == (4, 7, False)
    assert window_coverage(dst, date(2026, 3, 1), "America/New_York", "Lumora")["scale"] == 1.0
    month = Window(datetime(2026, 3, 1, 5, tzinfo=UTC), datetime(2026, 3, 31, 4, tzinfo=UTC))  # 719 hours
    part = window_coverage(month, date(2026, 3, 11), "America/New_York", "Lumora")
    assert (part["days"], part["of"], part["scale"]) == (20, 30, 1.5)  # the report's period_days / days
