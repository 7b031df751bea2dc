"""A collection gap inside a period, or a whole month without collection, reads as a gap, not a collapse or "0"
(quarterly review s67, finding 7). A real SQLite store and the real CLI (`groundswell digest`).

Market tech (Apple, Rival): collected daily from 1 May 2025 until Wednesday 18 June, nothing after (an outage), so
the week of 16 June has data on 3 of its 7 days. Market politics (Trump, Bush): collected in April and June 2025,
not in May."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from click.testing import CliRunner

from core.mention import Author, Mention, Sentiment
from groundswell.cli import cli
from groundswell.config import load_config
from groundswell.digest import build_digest
from groundswell.period_report import build_period_report, covered, data_days
from groundswell.periods import Period
from indexing.sqlite import SqliteStore

WEEK = Period("week", date(2025, 6, 16), date(2025, 6, 23))
JUNE = Period("month", date(2025, 6, 1), date(2025, 7, 1))


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
def config_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quarter3")
    store = SqliteStore(folder / "g.db")
    assert all(r.ok for r in store.upsert(_corpus()))
    store.close()
    config = {
        "store": {"type": "sqlite", "path": str(folder / "g.db")},
        "report": {"path": str(folder / "report.html")},
        "digest": {"timezone": "UTC", "baseline_weeks": 4},
        "brands": [
            {"name": "Apple", "query": "Apple", "market": "tech"},
            {"name": "Rival", "query": "Rival", "market": "tech", "competitor": True},
            {"name": "Trump", "query": "Trump", "market": "politics"},
            {"name": "Bush", "query": "Bush", "market": "politics", "competitor": True},
        ],
    }
    path = folder / "groundswell.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _cli(config_path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["digest", "-c", str(config_path), *args, "--no-send"])
    assert result.exit_code == 0, result.output
    return result.output


def _section(text: str, brand: str) -> str:
    return text.split(f"## {brand}\n", 1)[1].split("\n## ", 1)[0]


def _row(section: str, name: str) -> list[str]:
    line = next(x for x in section.splitlines() if x.startswith(f"| {name} "))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_the_rule_counts_only_days_with_data():
    days = {date(2025, 6, 16), date(2025, 6, 17), date(2025, 6, 18)}
    window = covered(WEEK.start, WEEK.end, date(2025, 5, 1), days)
    assert (window["days"], window["of"], window["comparable"], window.get("stops")) == (3, 7, False, "2025-06-18")
    assert covered(WEEK.start, WEEK.end, date(2025, 5, 1))["days"] == 7  # without the days: from the first on


def test_a_week_with_an_outage_says_so_and_states_no_volume_change(config_path):
    text = _cli(config_path, "--period", "week", "--day", "2025-06-17")
    apple = _section(text, "Apple")
    assert "This week: data on 3 of its 7 days" in apple
    assert "no mentions stored after 2025-06-18" in apple
    mentions = _row(apple, "Mentions")
    assert mentions[1] == "18"  # the count itself is shown
    assert mentions[4:] == ["–", "–"]  # not "-57.1%": a gap, not a collapse
    # the negative share is a ratio over the days with data: still stated, with the coverage line beside it
    assert _row(apple, "Negative share")[1] != "–"


def test_a_month_without_collection_reads_no_data_not_zero(config_path):
    text = _cli(config_path, "--period", "month", "--day", "2025-06-10")
    trump = _section(text, "Trump")
    assert _row(trump, "Mentions")[2] == "–"  # May: no collection at all, not "0"
    assert "Previous month: data on 0 of its 31 days" in trump
    config = load_config(config_path)
    store = SqliteStore(config.store.path)
    try:
        report = build_period_report(config, store, JUNE)
        assert data_days(store, ["Trump", "Bush"], date(2025, 5, 1), date(2025, 6, 1), "UTC") == set()
    finally:
        store.close()
    trump_json = next(b for b in report["brands"] if b["brand"] == "Trump")
    assert trump_json["previous"]["mentions"] is None
    assert trump_json["coverage"]["previous"]["days"] == 0
    assert trump_json["coverage"]["current"]["days"] == 30  # June is whole: nothing said
    assert "This month:" not in trump


def test_the_daily_digest_says_a_day_without_data_is_a_gap(config_path):
    text = _cli(config_path, "--day", "2025-06-19")
    apple = _section(text, "Apple")
    assert "vs the day before" not in apple  # not "-100.0%"
    assert "no mentions of its market stored on 2025-06-19" in apple
    config = load_config(config_path)
    store = SqliteStore(config.store.path)
    try:
        digest = build_digest(config, store, date(2025, 6, 18))
    finally:
        store.close()
    apple_json = next(b for b in digest["brands"] if b["brand"] == "Apple")
    assert apple_json["data_gap"] is None and apple_json["mentions_change_pct"] == 0.0
