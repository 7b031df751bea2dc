"""The overview against the previous period and the other brands (`/api/overview`: `totals.previous`,
`totals.change`, `comparison`), on a hand-built SQLite store with known counts, and its agreement with the
weekly report (groundswell/period_report.py) for the same week."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from overview_compare_support import BRAND_CONFIGS, PREVIOUS_WEEK, THIS_WEEK, compare_mentions

from dashboards.web.app import create_app
from groundswell.config import parse_config
from groundswell.period_report import build_period_report
from groundswell.periods import Period
from indexing.sqlite import SqliteStore
from tools.reports.example import seeded_mentions


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("overview-compare") / "g.db")
    assert all(r.ok for r in store.upsert(compare_mentions()))
    with TestClient(create_app(store, BRAND_CONFIGS), base_url="http://127.0.0.1") as client:
        yield client
    store.close()


def _overview(client, **params):
    response = client.get("/api/overview", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_totals_carry_the_previous_period_and_the_changes(client):
    body = _overview(client, brand="Lumora", **THIS_WEEK)
    assert body["previous_period"] == {"since": "2026-03-01T00:00:00+00:00", "until": "2026-03-08T00:00:00+00:00",
                                       "so_far": False}
    totals = body["totals"]
    # 10 mentions (the spam and the own post left out), 4 of the 9 labelled negative, 10 of the 20 brands' mentions
    assert (totals["mentions"], totals["negative_share"], totals["share_of_voice"]) == (10, 0.4444, 0.5)
    assert totals["net_sentiment"] == pytest.approx((3 - 4) / 9)
    previous = totals["previous"]
    assert (previous["mentions"], previous["negative"], previous["neutral"], previous["positive"]) == (8, 2, 2, 4)
    # Share of voice counts the days every brand compared has data (the weekly report's rule): Vexa's mentions start
    # on 8 March, so the previous week (1-8 March) has no such day.
    assert (previous["negative_share"], previous["net_sentiment"], previous["share_of_voice"]) == (0.25, 0.25, None)
    assert (previous["engagement"], previous["reach"]) == (8, 8 * 11)  # one like, 10 followers each
    assert totals["change"] == {
        "mentions": 25.0,  # 8 -> 10: percent
        "negative_share": 19.4,  # 25% -> 44.44%: points
        "net_sentiment": -36.1,  # +0.25 -> -0.111: points (hundredths)
        "share_of_voice": None,  # the previous week's share of voice: too few days with every brand's data
        "engagement": 25.0,
        "reach": 25.0,
    }
    coverage = totals["coverage"]
    assert (coverage["days"], coverage["of"], coverage["comparable"], coverage["reason"]) == (7, 7, True, None)
    sov = coverage["share_of_voice"]
    assert (sov["days"], sov["of"], sov["comparable"]) == (0, 7, False) and "0 of its 7 days" in sov["reason"]


def test_every_brand_side_by_side_with_its_change(client):
    rows = {r["brand"]: r for r in _overview(client, brand="Sonique", **THIS_WEEK)["comparison"]}
    assert list(rows) == ["Lumora", "Sonique", "Vexa"]  # as configured, own and competitors
    assert [(r["competitor"], r["selected"]) for r in rows.values()] == [(False, False), (True, True), (True, False)]
    assert rows["Lumora"]["change"] == {"mentions": 25.0, "negative_share": 19.4, "net_sentiment": -36.1,
                                        "share_of_voice": None}
    sonique = rows["Sonique"]
    assert sonique["current"] == {"mentions": 6, "negative_share": 0.1667, "net_sentiment": 0.5,
                                  "share_of_voice": 0.3}
    assert sonique["previous"] == {"mentions": 12, "negative_share": 0.5, "net_sentiment": -0.25,
                                   "share_of_voice": None}
    assert sonique["change"] == {"mentions": -50.0, "negative_share": -33.3, "net_sentiment": 75.0,
                                 "share_of_voice": None}
    # Vexa's mentions start on 8 March: the previous week holds no day of its data, nothing to compare with (the
    # weekly report's rule), so no figures and no change: its 0 mentions before were no collapse, nor a zero baseline.
    vexa = rows["Vexa"]
    assert vexa["previous"] == {"mentions": None, "negative_share": None, "net_sentiment": None,
                                "share_of_voice": None}
    assert set(vexa["change"].values()) == {None}
    assert not vexa["coverage"]["comparable"] and vexa["coverage"]["reason"] == (
        "data on 0 of its 7 days (Vexa's mentions start 2026-03-08), too few to compare with (under 7)")


def test_an_empty_previous_period_has_no_changes(client):
    body = _overview(client, brand="Lumora", **PREVIOUS_WEEK)  # nothing stored before 1 March
    previous = body["totals"]["previous"]
    assert previous["mentions"] is None and previous["share_of_voice"] is None  # no days with data before
    assert body["totals"]["coverage"]["days"] == 0 and not body["totals"]["coverage"]["comparable"]
    assert set(body["totals"]["change"].values()) == {None}
    assert all(set(r["change"].values()) == {None} for r in body["comparison"])


def test_the_comparison_keeps_the_views_filters(client):
    # spam=include counts the spam and the own post too, now and before, for every brand alike
    body = _overview(client, brand="Lumora", spam="include", **THIS_WEEK)
    assert body["totals"]["mentions"] == body["comparison"][0]["current"]["mentions"] == 12
    assert body["totals"]["change"]["mentions"] == 50.0  # 8 -> 12
    assert _overview(client, brand="Lumora", source="reddit", **THIS_WEEK)["comparison"][0]["current"] == {
        "mentions": 0, "negative_share": None, "net_sentiment": None, "share_of_voice": None}


WEEK = Period("week", date(2026, 11, 16), date(2026, 11, 23))


def test_the_dashboard_and_the_weekly_report_agree_for_the_same_week(tmp_path):
    """The docs' example data (13 weeks, a fifth unlabelled): the same week, the same figures and changes."""
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert(seeded_mentions()))
    config = parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique", "competitor": True}],
        "report": {"path": str(tmp_path / "report.html")},
    })
    report = build_period_report(config, store, WEEK)
    with TestClient(create_app(store, config), base_url="http://127.0.0.1") as client:
        for brand in report["brands"]:
            body = _overview(client, brand=brand["brand"], since=report["since"], until=report["until"])
            totals = body["totals"]
            row = next(r for r in body["comparison"] if r["brand"] == brand["brand"])
            for key in ("mentions", "negative_share", "share_of_voice"):
                assert totals[key] == row["current"][key] == brand["current"][key], key
                assert totals["previous"][key] == row["previous"][key] == brand["previous"][key], key
                assert totals["change"][key] == row["change"][key] == brand["change"][key]["vs_previous"], key
    # and the figures are not trivial: the week moved against the one before
    lumora = report["brands"][0]
    assert lumora["current"]["mentions"] == 98 and lumora["change"]["mentions"]["vs_previous"] == 19.5
    store.close()


def test_a_period_still_running_is_compared_with_the_same_stretch_of_the_previous_one():
    """A live store's "7 d" ends at the coming midnight: on Friday 08:00 of a week from Sunday it holds 5 days
    and 8 hours. Compared with the whole previous week it read as a fall in volume every morning; it is compared
    with the previous week's first 5 days and 8 hours."""
    from datetime import UTC, datetime, timedelta

    from dashboards.web.params import Period as ViewPeriod
    from dashboards.web.views import previous_period

    week = ViewPeriod(datetime(2026, 3, 8, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC))
    now = datetime(2026, 3, 13, 8, tzinfo=UTC)
    assert previous_period(week, now) == ViewPeriod(week.since - timedelta(days=7), now - timedelta(days=7))
    assert previous_period(week, datetime(2026, 3, 16, tzinfo=UTC)) == ViewPeriod(week.since - timedelta(days=7),
                                                                                  week.since)  # over: whole weeks
    assert previous_period(week) == previous_period(week, week.until)


def test_a_live_stores_overview_compares_so_far_with_so_far(tmp_path):
    from datetime import UTC, datetime, timedelta

    from core.mention import Mention

    now = datetime.now(UTC)
    # The newest post is now: the period ends at the midnight after it, after now at any time of day (an hour-old
    # newest post put the period's end before now in the first hour after UTC midnight).
    posts = [Mention(source="rss", native_id=str(i), text=f"Lumora news {i}", brand="Lumora",
                     created_at=now - timedelta(hours=6 * i)) for i in range(50)]
    store = SqliteStore(tmp_path / "live.db")
    assert all(r.ok for r in store.upsert(posts))
    with TestClient(create_app(store, BRAND_CONFIGS), base_url="http://127.0.0.1") as client:
        body = _overview(client, brand="Lumora", days=7)
    store.close()
    period, previous = body["period"], body["previous_period"]
    since, until = datetime.fromisoformat(period["since"]), datetime.fromisoformat(period["until"])
    assert until > now and previous["so_far"] is True  # the period ends at the coming midnight: still running
    cut = datetime.fromisoformat(previous["until"])
    assert datetime.fromisoformat(previous["since"]) == since - (until - since)
    assert now - timedelta(days=7) <= cut <= datetime.now(UTC) - timedelta(days=7)  # as far in as this one
