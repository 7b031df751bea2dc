"""The dashboard's "vs previous period" treats a day on which no brand of the market has any stored mention as a
collection gap, by the reports' rule (`period_report.data_days`, passed through `window_coverage`): the same brand
and week give the same verdict in `/api/overview` and in `groundswell digest --period week` (s67 "dashgap": Apple
2014-W50 read -67.6% on the dashboard where the report said "data on 3 of its 7 days" and showed "–").

Real SQLite store, real app (FastAPI TestClient), real CLI (CliRunner). Market tech (Apple, Rival): collected daily
from 1 May 2025 until Wednesday 18 June, nothing after; market politics (Trump, Bush): collected in April and June
2025, not in May."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

from core.mention import Author, Mention, Sentiment
from dashboards.web.app import create_app
from groundswell.cli import cli
from groundswell.config import load_config
from groundswell.window_coverage import Span, window_coverage
from indexing.sqlite import SqliteStore


def _mention(brand: str, day: date, i: int) -> Mention:
    label = "negative" if i % 3 == 0 else "positive"
    return Mention(source="x", native_id=f"{brand}-{day}-{i}", text=f"{brand} post {i}", brand=brand, lang="en",
                   created_at=datetime(day.year, day.month, day.day, 1 + i, tzinfo=UTC),
                   author=Author(handle=f"u{i}"), sentiment=Sentiment(label=label, probs={label: 1.0}, model="t"))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _corpus() -> list[Mention]:
    spans = (("Apple", 6, date(2025, 5, 1), date(2025, 6, 18)), ("Rival", 6, date(2025, 5, 1), date(2025, 6, 18)),
             ("Trump", 10, date(2025, 4, 1), date(2025, 4, 30)), ("Bush", 5, date(2025, 4, 1), date(2025, 4, 30)),
             ("Trump", 10, date(2025, 6, 1), date(2025, 6, 30)), ("Bush", 5, date(2025, 6, 1), date(2025, 6, 30)))
    return [_mention(brand, d, i) for brand, n, first, last in spans for d in _days(first, last) for i in range(n)]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dashgap")
    store = SqliteStore(folder / "g.db")
    assert all(r.ok for r in store.upsert(_corpus()))
    store.close()
    path = folder / "groundswell.yaml"
    path.write_text(yaml.safe_dump({
        "store": {"type": "sqlite", "path": str(folder / "g.db")},
        "report": {"path": str(folder / "report.html")},
        "digest": {"timezone": "UTC", "baseline_weeks": 4},
        "brands": [
            {"name": "Apple", "query": "Apple", "market": "tech"},
            {"name": "Rival", "query": "Rival", "market": "tech", "competitor": True},
            {"name": "Trump", "query": "Trump", "market": "politics"},
            {"name": "Bush", "query": "Bush", "market": "politics", "competitor": True},
        ],
    }))
    config = load_config(path)
    store = SqliteStore(config.store.path)
    with TestClient(create_app(store, config.brands), base_url="http://127.0.0.1") as client:
        yield path, client
    store.close()


def _overview(client, **params) -> dict:
    response = client.get("/api/overview", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _digest(path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["digest", "-c", str(path), *args, "--no-send"])
    assert result.exit_code == 0, result.output
    return result.output


def _row(section: str, name: str) -> list[str]:
    line = next(x for x in section.splitlines() if x.startswith(f"| {name} "))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_a_week_with_an_outage_reads_no_volume_change_in_the_dashboard_as_in_the_digest(setup):
    path, client = setup
    body = _overview(client, brand="Apple", since="2025-06-16", until="2025-06-23")
    totals = body["totals"]
    assert totals["mentions"] == 18  # the count itself is shown
    current = totals["coverage"]["current"]
    assert (current["days"], current["of"], current["whole"]) == (3, 7, False)
    assert current["reason"] == "data on 3 of its 7 days (Apple's mentions start 2025-05-01), no mentions stored " \
                                "after 2025-06-18, too few to compare with (under 7)"
    assert totals["change"]["mentions"] is None  # not -57.1%: a gap, not a collapse
    assert totals["change"]["negative_share"] is not None  # a ratio over the days with data still compares
    for row in body["comparison"]:
        assert row["change"]["mentions"] is None, row
    # the digest of the same week says the same: "–" and the coverage line
    apple = _digest(path, "--period", "week", "--day", "2025-06-17").split("## Apple\n", 1)[1].split("\n## ", 1)[0]
    assert "This week: data on 3 of its 7 days" in apple
    assert _row(apple, "Mentions")[4] == "–"


def test_the_week_after_an_outage_has_no_previous_week_to_compare_with(setup):
    path, client = setup
    totals = _overview(client, brand="Apple", since="2025-06-23", until="2025-06-30")["totals"]
    previous = totals["coverage"]
    assert (previous["days"], previous["of"], previous["comparable"]) == (3, 7, False)
    assert totals["previous"]["mentions"] is None and set(totals["change"].values()) == {None}


def test_a_month_without_collection_is_no_previous_period_not_zero(setup):
    path, client = setup
    totals = _overview(client, brand="Trump", since="2025-06-01", until="2025-07-01")["totals"]
    assert totals["coverage"]["days"] == 0 and totals["coverage"]["comparable"] is False
    assert totals["previous"]["mentions"] is None  # May was not collected: not "0", not -100%
    assert totals["coverage"]["current"]["whole"] is True
    trump = _digest(path, "--period", "month", "--day", "2025-06-10").split("## Trump\n", 1)[1].split("\n## ", 1)[0]
    assert _row(trump, "Mentions")[2] == "–"


def test_window_coverage_counts_only_days_with_data_and_a_running_day_as_one():
    week = Span(datetime(2025, 6, 16, tzinfo=UTC), datetime(2025, 6, 23, tzinfo=UTC))
    days = {date(2025, 6, 16), date(2025, 6, 17), date(2025, 6, 18)}
    found = window_coverage(week, date(2025, 5, 1), "UTC", "Apple", days)
    assert (found["days"], found["of"], found["whole"], found["scale"]) == (3, 7, False, None)
    assert window_coverage(week, date(2025, 5, 1), "UTC", "Apple")["whole"] is True  # without days: first-day rule
    # a week so far (ends 14:00 on its 3rd day): today has no mention yet, but is no gap
    so_far = Span(week.since, datetime(2025, 6, 18, 14, tzinfo=UTC))
    found = window_coverage(so_far, date(2025, 5, 1), "UTC", "Apple", days - {date(2025, 6, 18)})
    assert found["whole"] is True and found["scale"] == 1.0
