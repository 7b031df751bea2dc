"""Shares and goals on a handful of mentions, and this period's share of voice before the competitors were
collected (quarterly review s67, findings 1 and 2). A real SQLite store and the real CLI (`groundswell digest`).

Two markets: Apple against Rival, both collected daily until 15 June 2025, then 3 and 1 stray mentions in the week
of 16 June; Trump collected from May, his competitor Bush only from Thursday 19 June 2025."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from click.testing import CliRunner

from core.mention import Author, Mention, Sentiment
from dashboards.web.views import NET_SENTIMENT_MIN_POSTS, BrandInfo, brand_figures
from groundswell.cli import cli
from groundswell.config import load_config
from groundswell.period_report import MIN_SHARE_POSTS, build_period_report
from groundswell.periods import Period
from indexing.base import Filters
from indexing.sqlite import SqliteStore

WEEK = Period("week", date(2025, 6, 16), date(2025, 6, 23))
MONTH = Period("month", date(2025, 6, 1), date(2025, 7, 1))
BUSH_FROM = date(2025, 6, 19)
GOALS = {"max_negative_share": 0.3, "min_share_of_voice": 0.5}


def _mention(brand: str, day: date, i: int) -> Mention:
    label = "negative" if i % 3 == 0 else "positive"
    return Mention(source="x", native_id=f"{brand}-{day}-{i}", text=f"{brand} post {i}", brand=brand, lang="en",
                   created_at=datetime(day.year, day.month, day.day, 1 + i, tzinfo=UTC),
                   author=Author(handle=f"u{i}"), sentiment=Sentiment(label=label, probs={label: 1.0}, model="t"))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _corpus() -> list[Mention]:
    out = []
    for brand, per_day, first, last in (("Apple", 6, date(2025, 5, 1), date(2025, 6, 15)),
                                        ("Rival", 6, date(2025, 5, 1), date(2025, 6, 15)),
                                        ("Trump", 10, date(2025, 5, 1), date(2025, 6, 30)),
                                        ("Bush", 5, BUSH_FROM, date(2025, 6, 30))):
        out += [_mention(brand, d, i) for d in _days(first, last) for i in range(per_day)]
    out += [_mention("Apple", date(2025, 6, 17), i) for i in range(3)]  # 1 negative of 3: "33.3%"
    out += [_mention("Rival", date(2025, 6, 18), 0)]
    return out


@pytest.fixture(scope="module")
def config_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quarter1")
    store = SqliteStore(folder / "g.db")
    assert all(r.ok for r in store.upsert(_corpus()))
    store.close()
    config = {
        "store": {"type": "sqlite", "path": str(folder / "g.db")},
        "report": {"path": str(folder / "report.html")},
        "digest": {"timezone": "UTC", "baseline_weeks": 4},
        "brands": [
            {"name": "Apple", "query": "Apple", "market": "tech", "goals": GOALS},
            {"name": "Rival", "query": "Rival", "market": "tech", "competitor": True},
            {"name": "Trump", "query": "Trump", "market": "politics", "goals": GOALS},
            {"name": "Bush", "query": "Bush", "market": "politics", "competitor": True},
        ],
    }
    path = folder / "groundswell.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _digest(config_path, period: str, day: str) -> str:
    result = CliRunner().invoke(cli, ["digest", "-c", str(config_path), "--period", period, "--day", day, "--no-send"])
    assert result.exit_code == 0, result.output
    return result.output


def _section(markdown: str, brand: str) -> str:
    return markdown.split(f"## {brand}\n", 1)[1].split("\n## ", 1)[0]


def test_one_floor_for_every_surface():
    assert NET_SENTIMENT_MIN_POSTS == MIN_SHARE_POSTS == 5


def test_no_share_or_goal_verdict_on_a_handful_of_mentions(config_path):
    apple = _section(_digest(config_path, "week", "2025-06-17"), "Apple")
    # 1 negative of 3 labelled: not "33.3%", no change in points against the 33.3% before
    assert "| Negative share | – (n = 3) | 33.3% | 33.3% | – | – |" in apple
    # 4 mentions in the whole market (3 + 1): not "75.0%" and a goal "met"
    assert "| Share of voice (among Apple, Rival) | – (n = 4) |" in apple
    assert "- Goal: negative share ≤ 30.0%: – no data (too few mentions to judge (3))" in apple
    assert "- Goal: share of voice ≥ 50.0%: – no data (too few mentions to judge (4))" in apple
    assert "✅" not in apple and "❌" not in apple


def test_the_daily_digest_states_no_share_of_three_posts(config_path):
    apple = _section(_digest(config_path, "day", "2025-06-17"), "Apple")
    assert "- Negative share: – (too few mentions to judge (3))" in apple
    assert "33%" not in apple


def test_dashboard_tiles_and_brands_compared_use_the_same_floor(config_path):
    store = SqliteStore(config_path.parent / "g.db")
    scoped = Filters(since=datetime(2025, 6, 16, tzinfo=UTC), until=datetime(2025, 6, 23, tzinfo=UTC))
    figures = brand_figures(store, [BrandInfo("Apple", market="tech"), BrandInfo("Rival", True, "tech")], scoped)
    assert figures["Apple"]["mentions"] == 3
    assert (figures["Apple"]["negative_share"], figures["Apple"]["net_sentiment"],
            figures["Apple"]["share_of_voice"]) == (None, None, None)
    store.close()


def test_this_periods_share_of_voice_counts_from_when_every_brand_of_the_market_has_data(config_path):
    week = _section(_digest(config_path, "week", "2025-06-17"), "Trump")
    # Bush is collected from Thursday: 4 of the week's 7 days, too few to state Trump's share (was 70 / 95 = 73.7%)
    assert "| Share of voice (among Trump, Bush) | – |" in week
    assert "This week's share of voice: 4 days, from 2025-06-19, when every brand of its market has data" in week
    assert "- Goal: share of voice ≥ 50.0%: – no data (every brand of its market has data on 4 of its 7 days)" in week
    month = _section(_digest(config_path, "month", "2025-06-17"), "Trump")
    # From 19 June: 120 of Trump's, 60 of Bush's = 66.7%, not 300 / 360 = 83.3% over the whole month
    assert "| Share of voice (among Trump, Bush) | 66.7% |" in month
    assert "This month's share of voice: 12 days, from 2025-06-19, when every brand of its market has data" in month


def test_the_report_dict_says_what_each_share_rests_on(config_path):
    store = SqliteStore(config_path.parent / "g.db")
    report = build_period_report(load_config(config_path), store, WEEK)
    apple = next(b for b in report["brands"] if b["brand"] == "Apple")
    assert apple["shares_of"] == {"negative_share": 3, "share_of_voice": 4}
    assert apple["change"]["negative_share"] == {"vs_previous": None, "vs_baseline": None}
    store.close()


def test_the_static_reports_net_sentiment_line_states_no_one_post_day_and_breaks_at_gaps(config_path):
    from groundswell.report import _net_sentiment_chart  # lazy: plotly is imported by the chart itself

    store = SqliteStore(config_path.parent / "g.db")
    (trace,) = _net_sentiment_chart(store, ["Rival"], "UTC").data
    store.close()
    points = dict(zip(trace.x, trace.y, strict=True))
    assert points[datetime(2025, 6, 18)] is None  # 1 post: not -100%
    assert points[datetime(2025, 6, 16)] is None  # no data 16-17 June: the line breaks instead of joining
    assert points[datetime(2025, 6, 15)] == pytest.approx(100 / 3)  # 6 posts: (4 positive - 2 negative) / 6
    assert trace.connectgaps is False
