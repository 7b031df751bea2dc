"""One default period for every endpoint: the same parameters read the same period on each (`views.default_period`).

An end date alone read everything up to it on /api/search and /api/export (1,031 demo posts from 1 November) and
the 7 days up to it on the overview, themes, FAQ and advocates (786): docs/dashboard.md says a period defaults to
7 days, so an end alone is the 7 days (or `days`) up to it everywhere, and a start alone runs to the brand's
newest post everywhere."""

from __future__ import annotations

import csv
import io

import pytest
from web_support import demo_client

PERIODS = [
    {"until": "2026-11-10"},
    {"until": "2026-11-10", "days": "3"},
    {"since": "2026-11-05"},
    {"days": "7"},
]
PERIOD_PAGES = ("overview", "themes", "faq", "advocates", "replies")


@pytest.fixture(scope="module")
def client():
    with demo_client() as (client, _):
        yield client


def _get(client, path: str, **params):
    response = client.get(path, params=params)
    assert response.status_code == 200, (path, params, response.text)
    return response


def test_every_endpoint_reads_the_same_period(client):
    for period in PERIODS:
        overview = _get(client, "/api/overview", brand="Lumora", **period).json()
        for page in PERIOD_PAGES:
            answer = _get(client, f"/api/{page}", brand="Lumora", **period).json()
            assert answer["period"] == overview["period"], (page, period)
        # Search and export say which period they read by what they count: the overview's mentions, no more.
        total = overview["totals"]["mentions"]
        assert _get(client, "/api/search", brand="Lumora", **period).json()["total"] == total, period
        exported = _get(client, "/api/export", brand="Lumora", format="csv", **period).text
        rows = list(csv.DictReader(io.StringIO(exported)))
        assert len(rows) == total, period
        since, until = overview["period"]["since"], overview["period"]["until"]
        assert all(since <= r["created_at"].replace("Z", "+00:00") < until for r in rows), period
    # An end alone is the 7 days up to it (docs/dashboard.md: a period defaults to 7 days).
    overview = _get(client, "/api/overview", brand="Lumora", until="2026-11-10").json()
    assert overview["period"] == {"since": "2026-11-03T00:00:00+00:00", "until": "2026-11-10T00:00:00+00:00"}
    # Explore's "auto" (no since, until or days) still searches every post; the period pages read 7 days.
    everything = _get(client, "/api/search", brand="Lumora").json()["total"]
    assert everything > _get(client, "/api/overview", brand="Lumora").json()["totals"]["mentions"]


def test_the_pages_of_a_search_ending_on_a_date_hold_that_period(client):
    week = _get(client, "/api/overview", brand="Lumora", until="2026-11-10").json()["totals"]["mentions"]
    first = _get(client, "/api/search", brand="Lumora", until="2026-11-10", size=100).json()
    assert first["total"] == week
    seen = [h["id"] for h in first["hits"]]
    cursor = first["next_cursor"]
    while cursor:  # later pages read the window page one resolved (carried in the cursor)
        page = _get(client, "/api/search", brand="Lumora", until="2026-11-10", size=100, cursor=cursor).json()
        seen += [h["id"] for h in page["hits"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == week
