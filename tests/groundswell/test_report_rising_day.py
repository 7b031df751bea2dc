"""The report's rising themes are those of the worst alert day, not of the brand's first alert.

In the demo both brands showed "rising on 2026-11-04" (an early minor alert opened the incident the
11-11 crisis joined) and the crisis itself never appeared as rising. Real SQLite store, real report.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from alerts.history import save_alerts, stored_alerts
from alerts.incidents import incident_days, worst_alert
from core.alert import Alert
from core.mention import Mention, Sentiment
from groundswell.config import parse_config
from groundswell.report import _incident_day_rising, write_report
from indexing.sqlite import SqliteStore

START = datetime(2026, 10, 28, tzinfo=UTC)
MINOR = datetime(2026, 11, 4, tzinfo=UTC)  # a small warning spike: "shipping delay" appears
CRISIS = datetime(2026, 11, 11, tzinfo=UTC)  # the big one: "battery overheating"


def _post(key: str, when: datetime, theme: str, label: str) -> Mention:
    return Mention(
        source="x",
        native_id=key,
        text=f"Lumora {theme} {key}",
        created_at=when,
        brand="Lumora",
        sentiment=Sentiment(label=label, probs={label: 1.0}, model="t"),
        themes=[theme],
    )


def _spike(when: datetime, severity: str, observed: float, incident: str | None = None) -> Alert:
    return Alert(
        id=f"spike-{when:%m%d}",
        brand="Lumora",
        kind="spike",
        severity=severity,
        window_start=when + timedelta(hours=10),
        window_end=when + timedelta(hours=11),
        observed=observed,
        expected=2,
        statistic="poisson",
        score=5.0,
        incident_id=incident,
    )


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    posts = [
        _post(f"s{d}.{i}", START + timedelta(days=d, hours=i), "sound", "positive") for d in range(16) for i in range(8)
    ]
    posts += [_post(f"d{i}", MINOR + timedelta(hours=10, minutes=i), "shipping delay", "negative") for i in range(6)]
    posts += [_post(f"b{i}", CRISIS + timedelta(hours=10, minutes=i), "battery overheating", "negative")
              for i in range(40)]  # fmt: skip
    list(store.upsert(posts))
    # The minor spike's episode never got an all-clear, so the crisis joined its incident
    # (`alerts.incidents.assign_incidents`): the incident starts on the minor day.
    minor = _spike(MINOR, "warning", 6, incident="spike-1104")
    crisis = _spike(CRISIS, "critical", 40, incident="spike-1104")
    save_alerts(store, [minor, crisis])
    yield store
    store.close()


def test_report_rising_chart_is_of_the_crisis_day(store, tmp_path):
    config = parse_config({"brands": [{"name": "Lumora", "query": "Lumora"}]})
    page = write_report(config, store, stored_alerts(store), tmp_path / "report.html").read_text()
    titles = re.findall(r"rising themes on (\d{4}-\d\d-\d\d)", page)
    assert titles == ["2026-11-11"]
    assert "the worst of 2 alert days" in page
    chart = _incident_day_rising(store, "Lumora", stored_alerts(store))  # the figure the page embeds
    assert list(chart.data[0].y) == ["battery overheating (new)"]


def test_worst_alert_prefers_the_crisis_over_other_kinds_and_smaller_spikes():
    minor, big = _spike(MINOR, "critical", 6), _spike(CRISIS, "critical", 40)
    keyword = _spike(CRISIS + timedelta(days=1), "critical", 500).model_copy(update={"kind": "keyword"})
    assert worst_alert([minor, keyword, big]) is big  # same severity: the larger excess
    assert worst_alert([_spike(CRISIS, "warning", 400), minor]) is minor  # more severe first
    assert worst_alert([keyword]) is keyword and worst_alert([]) is None
    assert incident_days([minor, big, keyword]) == [MINOR.date(), CRISIS.date(), (CRISIS + timedelta(days=1)).date()]
