"""/api/overview's `zones` (hourly views): the stretches of one UTC offset the wall clock runs through, named by
`alerts.wording.clock_zone` (the name incident cards and the weekly report use), which the page's hourly charts
name hours and ticks by. Real SQLite store, real app."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from core.mention import Mention
from dashboards.web.app import create_app
from groundswell.config import parse_config
from indexing.sqlite import SqliteStore


@pytest.fixture
def client(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    at = datetime(2026, 4, 4, 15, 30, tzinfo=UTC)
    assert all(r.ok for r in store.upsert([Mention(source="x", native_id="1", text="Acme", brand="Acme",
                                                   created_at=at)]))
    config = parse_config({"brands": [{"name": "Acme", "query": "acme"}]})
    with TestClient(create_app(store, config, alert_loader=list), base_url="http://127.0.0.1") as c:
        yield c
    store.close()


@pytest.mark.parametrize("tz, since, until, zones", [
    # Sydney goes back at 03:00 AEDT = 16:00Z: the browser's Intl called both "GMT+1x"
    ("Australia/Sydney", "2026-04-05", "2026-04-06",
     [("AEDT", 660, None), ("AEST", 600, "2026-04-04T16:00:00+00:00")]),
    # Lord Howe goes back half an hour at 02:00 (UTC+11) = 15:00Z; tzdata has no abbreviation
    ("Australia/Lord_Howe", "2026-04-04T12:00:00Z", "2026-04-04T20:00:00Z",
     [("UTC+11", 660, None), ("UTC+10:30", 630, "2026-04-04T15:00:00+00:00")]),
    ("Asia/Kolkata", "2026-04-05", "2026-04-06", [("IST", 330, None)]),
])
def test_an_hourly_overview_names_its_zones(client, tz, since, until, zones):
    data = client.get("/api/overview", params={"brand": "Acme", "since": since, "until": until, "tz": tz}).json()
    assert data["interval"] == "hour"
    got = [(z["zone"], z["offset_minutes"], z["since"]) for z in data["zones"]]
    assert [(name, offset) for name, offset, _ in got] == [(name, offset) for name, offset, _ in zones]
    assert [at for *_, at in got][1:] == [at for *_, at in zones][1:]  # each change at its minute
    # the first stretch covers the period's start (and the hour the axis is widened by)
    assert datetime.fromisoformat(got[0][2]) < datetime.fromisoformat(data["period"]["since"])


def test_a_daily_overview_has_no_zones(client):
    data = client.get("/api/overview", params={"brand": "Acme", "since": "2026-04-01", "until": "2026-04-10",
                                               "tz": "Australia/Sydney"}).json()
    assert data["interval"] == "day" and data["zones"] is None
