"""The static report and the daily digest render from what a store holds."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from alerts.history import save_alerts, stored_alerts
from core.alert import Alert, DrivingPost
from core.mention import Author, Engagement, Mention, Sentiment
from groundswell.config import parse_config
from groundswell.digest import write_digest
from groundswell.report import write_report
from indexing.sqlite import SqliteStore

DAY = datetime(2026, 11, 10, tzinfo=UTC)


def _m(i: int, brand: str, label: str, when: datetime, theme: str, lang: str = "en") -> Mention:
    return Mention(
        source="x",
        native_id=f"{brand}{i}",
        text=f"{brand} {theme} post {i}",
        created_at=when,
        brand=brand,
        lang=lang,
        author=Author(handle=f"u{i}", followers=i),
        engagement=Engagement(likes=i),
        sentiment=Sentiment(label=label, probs={label: 1.0}, model="t"),
        themes=[theme],
    )


@pytest.fixture
def filled(tmp_path):
    config = parse_config(
        {
            "brands": [
                {"name": "Lumora", "query": "Lumora"},
                {"name": "Sonique", "query": "Sonique", "competitor": True},
            ],
            "report": {"path": str(tmp_path / "out" / "report.html")},
        }
    )
    store = SqliteStore(tmp_path / "g.db")
    mentions = []
    for d in range(8):
        for i in range(10):
            when = DAY - timedelta(days=7 - d) + timedelta(hours=i)
            mentions.append(_m(d * 100 + i, "Lumora", ["positive", "neutral"][i % 2], when, "sound", "en"))
            mentions.append(_m(d * 100 + i, "Sonique", "neutral", when, "price", "ko"))
    mentions += [_m(900 + i, "Lumora", "negative", DAY + timedelta(hours=12), "battery overheating") for i in range(15)]
    list(store.upsert(mentions))
    alert = Alert(
        brand="Lumora",
        kind="spike",
        severity="critical",
        window_start=DAY + timedelta(hours=12),
        window_end=DAY + timedelta(hours=13),
        observed=15,
        expected=0.5,
        statistic="poisson",
        score=9.1,
        p_value=1e-9,
        summary="15 negative mentions vs 0.5 expected",
        top_terms=["overheating"],
        top_posts=[DrivingPost(id="x:Lumora900", text="Lumora battery overheating post")],
    )
    save_alerts(store, [alert])
    yield config, store
    store.close()


def test_report_has_charts_alert_and_offline_plotly(filled):
    config, store = filled
    path = write_report(config, store, stored_alerts(store))
    page = path.read_text()
    assert (path.parent / "plotly.min.js").stat().st_size > 1_000_000  # opens offline
    assert page.count("Plotly.newPlot") >= 6
    assert "crisis alert (critical)" in page and "15 negative mentions vs 0.5 expected" in page
    assert "battery overheating" in page  # theme and rising theme charts


def test_digest_reports_change_rising_themes_and_alerts(filled, tmp_path):
    config, store = filled
    result = write_digest(config, store, date(2026, 11, 10), tmp_path / "digests")
    lumora = next(b for b in result["brands"] if b["brand"] == "Lumora")
    assert lumora["mentions"] == 25 and lumora["mentions_change_pct"] == 150.0
    rising = {t["theme"]: t for t in lumora["rising_themes"]}
    assert rising["battery overheating"]["new"] is True
    assert lumora["alerts"][0]["severity"] == "critical"
    markdown = (tmp_path / "digests" / "2026-11-10.md").read_text()
    assert "battery overheating" in markdown and "+150.0%" in markdown
    assert json.loads((tmp_path / "digests" / "2026-11-10.json").read_text())["day"] == "2026-11-10"


def _all_clear(spike: Alert) -> Alert:
    """The all-clear of `spike`'s episode: its window is the whole episode, 25 hours here."""
    clear = Alert(brand=spike.brand, kind="all_clear", severity="info", window_start=spike.window_start,
                  window_end=spike.window_start + timedelta(hours=25), observed=15, expected=0.5,
                  statistic="poisson", score=0.0, episode_id=spike.id, summary="All clear")
    clear.incident_id = spike.id
    return clear


@pytest.mark.parametrize(
    ("tz", "window", "spike", "post"),
    [
        ("UTC", "2026-11-10 12:00–2026-11-11 13:00 UTC", "2026-11-10 12:00–13:00 UTC", "2026-11-10 12:00 UTC"),
        ("Europe/Rome", "2026-11-10 13:00–2026-11-11 14:00 CET", "2026-11-10 13:00–14:00 CET", "2026-11-10 13:00 CET"),
    ],
)
def test_report_windows_read_as_the_alert_texts_do_in_the_digests_timezone(filled, tz, window, spike, post):
    """A 25-hour all-clear read '2026-11-10 12:00–13:00 UTC' (the end's date dropped), and 'generated' had no zone."""
    config, store = filled
    config = config.model_copy(update={"digest": config.digest.model_copy(update={"timezone": tz})})
    (opener,) = stored_alerts(store)
    save_alerts(store, [_all_clear(opener)])
    page = write_report(config, store, stored_alerts(store)).read_text(encoding="utf-8")
    clear = re.search(r"<b><bdi>Lumora</bdi> · all_clear · info</b> (.*?)<br>", page).group(1)
    assert clear == window
    assert f"<b><bdi>Lumora</bdi> · spike · critical</b> {spike}<br>" in page
    assert f"· cleared · {window} · 2 alerts</h4>" in page  # the incident's span
    assert f"· {post} · engagement 914 " in page  # the top negative post's time
    zone = "UTC" if tz == "UTC" else "CE[S]?T"
    assert re.search(rf"generated \d{{4}}-\d\d-\d\d \d\d:\d\d {zone} ·", page)


@pytest.mark.parametrize("hours", [(0, 1), (23, 24), (12, 37), (0, 48), (5, 5.5)])
def test_the_local_window_in_utc_is_the_alert_wordings(hours):
    from alerts.wording import when
    from groundswell.digest import local_when

    start = DAY + timedelta(hours=hours[0])
    alert = Alert(brand="Lumora", window_start=start, window_end=DAY + timedelta(hours=hours[1]), observed=1,
                  expected=1, statistic="poisson", score=1.0)
    assert local_when(alert, "UTC") == when(alert)
