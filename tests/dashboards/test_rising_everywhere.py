"""Digest, report, dashboard and alerts name the same rising themes for the same data (one rule: nlp/trends.py).

They once had three formulas: the digest and report a growth ratio over the week's daily average
(the report without any threshold), the dashboard a noise-scaled rise over the previous period only;
an alert's "themes up" was a fourth (a theme's share of the surge against its usual share). An alert now
takes the same rising themes and names those whose share of the surge rose as well (`alerts.evidence`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from alerts.explain import explain
from core.alert import Alert
from core.mention import Mention, Sentiment
from dashboards.web.app import create_app
from dashboards.web.params import Period
from dashboards.web.views import themes
from groundswell.config import BrandConfig, parse_config
from groundswell.digest import build_digest
from groundswell.report import _rising_chart
from indexing.base import Filters
from indexing.sqlite import SqliteStore

DAY = datetime(2026, 11, 10, tzinfo=UTC)
NEGATIVE = Sentiment(label="negative", probs={"negative": 1.0}, model="test")
# Theme -> posts per day, the week before DAY (oldest first), then DAY itself.
VOLUMES = {
    "sound": ([10] * 7, 10),  # steady: not rising
    "battery overheating": ([0] * 7, 15),  # new, with volume
    "tiny": ([0] * 7, 2),  # x3, but two posts: too few
    "price": ([2] * 6 + [40], 30),  # a spike yesterday, still well above the week's average today
}


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    posts = []
    for theme, (week, today) in VOLUMES.items():
        for offset, count in [(d - 7, c) for d, c in enumerate(week)] + [(0, today)]:
            for i in range(count):
                when = DAY + timedelta(days=offset, hours=i % 24, minutes=i // 24)
                posts.append(
                    Mention(
                        source="x",
                        native_id=f"{theme}{offset}.{i}",
                        text=f"Lumora {theme} {i}",
                        created_at=when,
                        brand="Lumora",
                        themes=[theme],
                        sentiment=NEGATIVE,  # so a spike alert (it counts negatives) counts every post
                    )
                )
    list(store.upsert(posts))
    yield store
    store.close()


def test_digest_report_and_dashboard_agree_on_rising_themes(store):
    config = parse_config({"brands": [{"name": "Lumora", "query": "Lumora"}]})
    digest = [t["theme"] for t in build_digest(config, store, date(2026, 11, 10))["brands"][0]["rising_themes"]]
    chart = _rising_chart(store, "Lumora", DAY)
    report = [label.removesuffix(" (new)") for label in reversed(chart.data[0].y)]
    period = Period(DAY, DAY + timedelta(days=1))
    dashboard = [r["theme"] for r in themes(store, Filters(brand="Lumora"), period, 10, 3, 0)["rising"]]
    assert digest == report == dashboard == ["battery overheating", "price"]


def test_dashboard_api_and_an_alert_of_the_day_agree_with_the_digest(store):
    """Through the dashboard's HTTP API (not the view function) and an alert over the same day."""
    config = parse_config({"brands": [{"name": "Lumora", "query": "Lumora"}]})
    digest = [t["theme"] for t in build_digest(config, store, date(2026, 11, 10))["brands"][0]["rising_themes"]]
    with TestClient(create_app(store, [BrandConfig(name="Lumora", query="Lumora")]), base_url="http://127.0.0.1") as c:
        response = c.get("/api/themes", params={"brand": "Lumora", "since": "2026-11-10", "until": "2026-11-11"})
    assert response.status_code == 200, response.text
    api = [r["theme"] for r in response.json()["rising"]]
    # A spike alert over the whole day: its posts are the day's negatives, here every post.
    alert = Alert(kind="spike", brand="Lumora", window_start=DAY, window_end=DAY + timedelta(days=1),
                  observed=57, expected=12, statistic="poisson", score=9.0)  # fmt: skip
    explained = [s.value for s in explain(alert, store).shifts if s.dimension == "theme"]
    assert digest == api == ["battery overheating", "price"]
    # An alert says "up" of a rising theme only where its share of the surge rose too (alerts.evidence): "price"
    # has 4x its usual posts, but so has the whole surge (53% of it against 43% before, p = 0.14).
    assert explained == ["battery overheating"]
