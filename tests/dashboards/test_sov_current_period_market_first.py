"""This period's share of voice on the dashboard follows the weekly report's rule (`build_period_report`: counted
from the day every brand of the market has data, `market_first`; "–" when that leaves fewer than MIN_COMPARE_DAYS
days): a competitor collected only since Thursday read 60%-ish in `/api/overview` where `groundswell digest
--period week` said "–" (s67 "sov").

Real SQLite store, real app (FastAPI TestClient), real CLI (CliRunner). Apple collected daily from 1 May 2025,
its competitor Rival only from Thursday 19 June 2025."""

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
from indexing.sqlite import SqliteStore


def _mention(brand: str, day: date, i: int) -> Mention:
    label = "negative" if i % 3 == 0 else "positive"
    return Mention(source="x", native_id=f"{brand}-{day}-{i}", text=f"{brand} post {i}", brand=brand, lang="en",
                   created_at=datetime(day.year, day.month, day.day, 1 + i, tzinfo=UTC),
                   author=Author(handle=f"u{i}"), sentiment=Sentiment(label=label, probs={label: 1.0}, model="t"))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _corpus() -> list[Mention]:
    spans = (("Apple", 3, date(2025, 5, 1), date(2025, 6, 30)), ("Rival", 2, date(2025, 6, 19), date(2025, 6, 30)))
    return [_mention(brand, d, i) for brand, n, first, last in spans for d in _days(first, last) for i in range(n)]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sov")
    store = SqliteStore(folder / "g.db")
    assert all(r.ok for r in store.upsert(_corpus()))
    store.close()
    path = folder / "groundswell.yaml"
    path.write_text(yaml.safe_dump({
        "store": {"type": "sqlite", "path": str(folder / "g.db")},
        "report": {"path": str(folder / "report.html")},
        "digest": {"timezone": "UTC", "baseline_weeks": 4},
        "brands": [{"name": "Apple", "query": "Apple"}, {"name": "Rival", "query": "Rival", "competitor": True}],
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
    return result.output.split("## Apple\n", 1)[1].split("\n## ", 1)[0]


def _row(section: str, name: str) -> list[str]:
    line = next(x for x in section.splitlines() if x.startswith(f"| {name} "))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_a_week_the_competitor_joined_midweek_has_no_share_of_voice_as_in_the_digest(setup):
    path, client = setup
    body = _overview(client, brand="Apple", since="2025-06-16", until="2025-06-23")
    totals = body["totals"]
    assert totals["share_of_voice"] is None  # was 21 / (21 + 8) = 72.4%
    sov = totals["coverage"]["share_of_voice"]["current"]
    assert (sov["days"], sov["of"], sov["comparable"]) == (4, 7, False)
    assert sov["reason"] == "share of voice: every brand compared has data on 4 of its 7 days, too few to state (–)"
    for row in body["comparison"]:
        assert row["current"]["share_of_voice"] is None and row["change"]["share_of_voice"] is None, row
        assert row["coverage"]["share_of_voice"]["current"] == sov
    assert _row(_digest(path, "--period", "week", "--day", "2025-06-17"), "Share of voice")[1] == "–"


def test_a_month_the_competitor_joined_counts_share_of_voice_from_its_first_day_as_the_digest(setup):
    path, client = setup
    body = _overview(client, brand="Apple", since="2025-06-01", until="2025-07-01")
    sov = body["totals"]["coverage"]["share_of_voice"]["current"]
    assert (sov["days"], sov["of"], sov["comparable"], sov["since"]) == (12, 30, True, "2025-06-19")
    assert body["totals"]["share_of_voice"] == 0.6  # 36 / (36 + 24) from 19 June on, not 90 / (90 + 24)
    assert {r["brand"]: r["count"] for r in body["share_of_voice"]} == {"Apple": 36, "Rival": 24}
    assert _row(_digest(path, "--period", "month", "--day", "2025-06-10"), "Share of voice")[1] == "60.0%"


def test_a_week_every_brand_covers_keeps_its_share_of_voice(setup):
    _, client = setup
    totals = _overview(client, brand="Apple", since="2025-06-23", until="2025-06-30")["totals"]
    assert totals["share_of_voice"] == 0.6  # 21 / (21 + 14)
    assert totals["coverage"]["share_of_voice"]["current"]["reason"] is None
