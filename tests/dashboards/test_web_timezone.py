"""The dashboard in the team's zone (digest.timezone, or `tz=`): a day on the overview is the digest's day.

A real SqliteStore holding `tools.reports.example.seeded_mentions` (posts at every UTC hour, so a Seoul day and
a UTC day count different posts), and the app built from a real config with `digest.timezone: Asia/Seoul`.
SQLite and Elasticsearch bucket local days alike: tests/indexing/test_store_contract.py.
"""

from __future__ import annotations

import io
from csv import DictReader
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from dashboards.web.app import create_app
from dashboards.web.views import default_period
from groundswell.config import parse_config
from groundswell.digest import build_digest
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from tools.reports.example import seeded_mentions

SEOUL = "Asia/Seoul"
CONFIG = {
    "brands": [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique", "competitor": True}],
    "digest": {"timezone": SEOUL},
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("timezone") / "g.db")
    assert all(r.ok for r in store.upsert(seeded_mentions()))
    yield store
    store.close()


@pytest.fixture(scope="module")
def config():
    return parse_config(CONFIG)


@pytest.fixture(scope="module")
def client(store, config):
    with TestClient(create_app(store, config, alert_loader=list), base_url="http://127.0.0.1") as client:
        yield client


def _get(client, path: str, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def test_a_seoul_day_on_the_overview_is_the_digests_day(client, store, config):
    """`groundswell digest --day 2026-11-11` (build_digest) and the overview's Nov 11 bar count the same posts."""
    digest = {b["brand"]: b for b in build_digest(config, store, date(2026, 11, 11))["brands"]}
    assert digest["Lumora"]["mentions"] > 0
    # A custom day (dates are local days in digest.timezone; until exclusive, as the page sends it).
    one_day = _get(client, "/api/overview", brand="Lumora", since="2026-11-11", until="2026-11-12", interval="day")
    assert one_day["timezone"] == SEOUL
    assert one_day["period"] == {"since": "2026-11-10T15:00:00+00:00", "until": "2026-11-11T15:00:00+00:00"}
    assert one_day["totals"]["mentions"] == digest["Lumora"]["mentions"]
    assert one_day["totals"]["negative_share"] == digest["Lumora"]["negative_share"]
    # The same day as one bar of a longer view: it starts at Seoul's midnight.
    week = _get(client, "/api/overview", brand="Lumora", since="2026-11-08", until="2026-11-15")
    assert week["interval"] == "day"
    bars = {_at(b["start"]): b for b in week["volume"]}
    bar = bars[datetime(2026, 11, 10, 15, tzinfo=UTC)]
    assert bar["total"] == digest["Lumora"]["mentions"]
    assert all(start.astimezone(ZoneInfo(SEOUL)).hour == 0 for start in bars)
    assert week["totals"]["mentions"] == sum(b["total"] for b in week["volume"])
    # UTC's Nov 11 is another span of posts: the zone decides what a day holds.
    utc = _get(client, "/api/overview", brand="Lumora", since="2026-11-11", until="2026-11-12", tz="UTC")
    assert utc["timezone"] == "UTC" and utc["period"]["since"] == "2026-11-11T00:00:00+00:00"
    assert utc["totals"]["mentions"] != digest["Lumora"]["mentions"]


def test_meta_names_the_default_zone_and_a_request_may_name_another(client):
    assert _get(client, "/api/meta")["timezone"] == SEOUL
    berlin = _get(client, "/api/overview", brand="Lumora", since="2026-11-11", until="2026-11-12",
                  tz="Europe/Berlin")
    assert berlin["period"]["since"] == "2026-11-10T23:00:00+00:00"


def test_without_a_digest_zone_the_dashboard_stays_in_utc(store):
    with TestClient(create_app(store, ["Lumora", "Sonique"], alert_loader=list), base_url="http://127.0.0.1") as c:
        assert _get(c, "/api/meta")["timezone"] == "UTC"
        body = _get(c, "/api/overview", brand="Lumora", since="2026-11-11", until="2026-11-12", interval="day")
    assert body["timezone"] == "UTC"
    assert [b["start"] for b in body["volume"]] == ["2026-11-11T00:00:00+00:00"]


def test_days_across_berlins_clock_change_are_23_and_25_hours(client):
    """Europe/Berlin: 2026-03-29 (clocks forward) has 23 hours, 2026-10-25 (back) 25; each is one bar, from
    local midnight to local midnight, on the overview and in a theme card's trend."""
    berlin = ZoneInfo("Europe/Berlin")
    body = _get(client, "/api/overview", brand="Lumora", since="2026-10-24", until="2026-10-27", tz="Europe/Berlin",
                interval="day")
    starts = [_at(b["start"]) for b in body["volume"]]
    assert [s.astimezone(berlin).strftime("%Y-%m-%d %H:%M") for s in starts] == [
        "2026-10-24 00:00", "2026-10-25 00:00", "2026-10-26 00:00"]
    assert [b - a for a, b in zip(starts, starts[1:], strict=False)] == [timedelta(hours=24), timedelta(hours=25)]
    assert _at(body["period"]["until"]) - _at(body["period"]["since"]) == timedelta(hours=73)
    # The 25-hour day holds every post of those 25 hours (seeded posts lie on whole UTC hours).
    day = _get(client, "/api/overview", brand="Lumora", since="2026-10-25", until="2026-10-26", tz="Europe/Berlin")
    assert day["totals"]["mentions"] == body["volume"][1]["total"]
    themes = _get(client, "/api/themes", brand="Lumora", since="2026-10-24", until="2026-10-27",
                  tz="Europe/Berlin")
    assert themes["timezone"] == "Europe/Berlin" and themes["trend"]["interval"] == "day"
    assert [_at(s) for s in themes["trend"]["starts"]] == starts
    # A week of trend buckets starts on a local Monday's midnight, whatever the clock did in between.
    long = _get(client, "/api/themes", brand="Lumora", since="2025-06-01", until="2026-11-30", tz="Europe/Berlin")
    assert long["trend"]["interval"] == "week"
    weekly = [_at(s) for s in long["trend"]["starts"]]
    assert all((w.astimezone(berlin).weekday(), w.astimezone(berlin).hour) == (0, 0) for w in weekly)
    assert {b - a for a, b in zip(weekly, weekly[1:], strict=False)} == {
        timedelta(hours=167), timedelta(hours=168), timedelta(hours=169)}
    spring = _get(client, "/api/themes", brand="Lumora", since="2026-03-27", until="2026-03-31",
                  tz="Europe/Berlin")
    march = [_at(s) for s in spring["trend"]["starts"]]
    assert [b - a for a, b in zip(march, march[1:], strict=False)] == [timedelta(hours=24)] * 2 + [timedelta(hours=23)]


@pytest.mark.parametrize("path", ["/api/overview", "/api/search", "/api/export", "/api/themes", "/api/alerts",
                                  "/api/replies", "/api/advocates"])
@pytest.mark.parametrize("tz", ["Mars/Olympus", "../../etc/passwd", "utc+9", "Asia"])
def test_an_unknown_zone_is_a_400_that_says_what_to_give(client, path: str, tz: str):
    response = client.get(path, params={"brand": "Lumora", "tz": tz})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["param"] == "tz"
    assert "is not an IANA time zone" in body["error"] and "Asia/Seoul" in body["error"]


def test_explore_and_exports_read_local_days_and_keep_utc_timestamps(client):
    search = _get(client, "/api/search", brand="Lumora", since="2026-11-11", until="2026-11-12", size=100,
                  sort="oldest")
    times = [_at(h["created_at"]) for h in search["hits"]]
    assert times and times[0] >= datetime(2026, 11, 10, 15, tzinfo=UTC)
    assert times[-1] < datetime(2026, 11, 11, 15, tzinfo=UTC)
    assert all(h["created_at"].endswith("+00:00") for h in search["hits"])
    csv = client.get("/api/export", params={"brand": "Lumora", "since": "2026-11-11", "until": "2026-11-12"})
    assert csv.status_code == 200
    rows = list(DictReader(io.StringIO(csv.text)))
    assert len(rows) == search["total"]
    # The Seoul day's posts, their times written in UTC ISO 8601 as ever.
    assert [r["created_at"] for r in rows] == [h["created_at"] for h in search["hits"]]


def test_a_default_period_is_whole_days_of_the_dashboards_zone(client, store):
    """The newest Lumora post is 2026-11-30 22:00 UTC, Dec 1 07:00 in Seoul: the default week is the 7 Seoul days
    up to the end of Dec 1, each a whole day bar (it ended at the UTC hour after the post, cutting a day in two)."""
    seoul = {"since": "2026-11-24T15:00:00+00:00", "until": "2026-12-01T15:00:00+00:00"}
    assert _get(client, "/api/advocates", brand="Lumora")["period"] == seoul  # digest.timezone
    assert _get(client, "/api/advocates", brand="Lumora", tz="UTC")["period"] == {
        "since": "2026-11-24T00:00:00+00:00", "until": "2026-12-01T00:00:00+00:00"}
    period = default_period(store, Filters(brand="Lumora", sentiment="negative"), None, None, tz=SEOUL)
    assert {"since": period.since.isoformat(), "until": period.until.isoformat()} == seoul


def test_a_default_week_across_a_clock_change_is_seven_local_days(tmp_path):
    """Europe/Berlin's clocks go back on 2026-10-25: the week up to a post of Oct 27 is 7 days and 1 hour, from
    local midnight to local midnight; a 2-day preset is counted by hour, so it ends at the hour after the post."""
    store = SqliteStore(tmp_path / "g.db")
    post = seeded_mentions()[0].model_copy(update={"created_at": datetime(2026, 10, 27, 10, 30, tzinfo=UTC)})
    assert all(r.ok for r in store.upsert([post]))
    brand = Filters(brand=post.brands[0], lang="de")  # a facet: the brand's newest post ends the period anyway
    week = default_period(store, brand, None, None, tz="Europe/Berlin")
    assert (week.since, week.until) == (datetime(2026, 10, 20, 22, tzinfo=UTC), datetime(2026, 10, 27, 23, tzinfo=UTC))
    two = default_period(store, brand, None, None, days=2, tz="Europe/Berlin")
    assert (two.since, two.until) == (datetime(2026, 10, 25, 11, tzinfo=UTC), datetime(2026, 10, 27, 11, tzinfo=UTC))
    store.close()


def test_every_page_snaps_its_default_period_to_the_dashboards_days(client):
    """The overview, Themes, Explore's presets and the replies count the 7 Seoul days the advocates rank."""
    seoul = {"since": "2026-11-24T15:00:00+00:00", "until": "2026-12-01T15:00:00+00:00"}
    overview = _get(client, "/api/overview", brand="Lumora")
    assert overview["period"] == seoul
    assert [_at(b["start"]).astimezone(ZoneInfo(SEOUL)).strftime("%d %H:%M") for b in overview["volume"]] == [
        f"{d:02d} 00:00" for d in (25, 26, 27, 28, 29, 30)] + ["01 00:00"]
    assert _get(client, "/api/themes", brand="Lumora", sentiment="negative")["period"] == seoul
    assert _get(client, "/api/replies", brand="Lumora")["period"] == seoul
    preset = _get(client, "/api/search", brand="Lumora", days="7", size="1")
    assert preset["total"] == _get(client, "/api/search", brand="Lumora", size="1", **seoul)["total"] == (
        overview["totals"]["mentions"])
