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


def _figures(page: str) -> dict[str, tuple[list[dict], dict]]:
    """Each chart the report embeds, by its title's first line: (its traces, its layout), as Plotly gets them."""
    decoder = json.JSONDecoder()
    figures = {}
    for found in re.finditer(r"Plotly\.newPlot\(\s*", page):
        at = found.end()
        _, at = decoder.raw_decode(page, at)  # the div id
        data, at = decoder.raw_decode(page, page.index("[", at))
        layout, _ = decoder.raw_decode(page, page.index("{", at))
        figures[layout["title"]["text"].split("<br>")[0]] = (data, layout)
    return figures


@pytest.fixture
def near_midnight(tmp_path):
    """Lumora in a real SQLite store: 'sound' (positive) at 02:00–09:00 UTC every day from 11-02 to 11-11, 11:00–18:00
    in Seoul, the same date in both zones; 'shipping delay' (6 negative) at 08:00 UTC on 11-10, 17:00 in Seoul; the
    crisis, 'battery overheating' (12 negative) from 16:00 UTC on 11-10: 01:00 on 11-11 in Seoul. A warning spike
    alert on the shipping hour, a critical one on the crisis hour."""
    store = SqliteStore(tmp_path / "g.db")
    mentions = [_m(d * 100 + h, "Lumora", "positive", DAY + timedelta(days=d - 8, hours=h), "sound")
                for d in range(10) for h in range(2, 10)]  # fmt: skip
    mentions += [_m(2000 + i, "Lumora", "negative", DAY + timedelta(hours=8, minutes=i), "shipping delay")
                 for i in range(6)]  # fmt: skip
    mentions += [_m(3000 + i, "Lumora", "negative", DAY + timedelta(hours=16, minutes=3 * i), "battery overheating")
                 for i in range(12)]  # fmt: skip
    list(store.upsert(mentions))

    def spike(hour: int, severity: str, observed: int) -> Alert:
        return Alert(id=f"spike-{hour}", brand="Lumora", kind="spike", severity=severity,
                     window_start=DAY + timedelta(hours=hour), window_end=DAY + timedelta(hours=hour + 1),
                     observed=observed, expected=0.5, statistic="poisson", score=5.0)  # fmt: skip

    save_alerts(store, [spike(8, "warning", 6), spike(16, "critical", 12)])
    yield store
    store.close()


@pytest.mark.parametrize(
    ("tz", "crisis_hour", "shipping_hour", "day", "net", "rising", "days"),
    [
        # Seoul (UTC+9): the crisis is 01:00 on 11-11, its own day; 11-10 holds the shipping delay only.
        ("Asia/Seoul", "2026-11-11T01:00:00", "2026-11-10T17:00:00", "2026-11-11",
         {"2026-11-10": round(100 * (8 - 6) / 14, 6), "2026-11-11": -20.0},
         ["battery overheating (new)"], ", the worst of 2 alert days"),
        ("UTC", "2026-11-10T16:00:00", "2026-11-10T08:00:00", "2026-11-10",
         {"2026-11-10": round(100 * (8 - 18) / 26, 6), "2026-11-11": 100.0},
         ["battery overheating (new)", "shipping delay (new)"], " · "),
    ],
)  # fmt: skip
def test_report_charts_count_the_days_and_hours_of_the_digests_timezone(
    near_midnight, tmp_path, tz, crisis_hour, shipping_hour, day, net, rising, days
):
    """The volume chart's hours, the net sentiment's days and the rising themes' day were UTC's whatever
    digest.timezone: in Seoul the 01:00 crisis was drawn at 16:00 the day before and counted on that day."""
    config = parse_config({"brands": [{"name": "Lumora", "query": "Lumora"}], "digest": {"timezone": tz},
                           "report": {"path": str(tmp_path / "report.html")}})  # fmt: skip
    page = write_report(config, near_midnight, stored_alerts(near_midnight)).read_text(encoding="utf-8")
    figures = _figures(page)

    # Ten days of data: a bar per local day (groundswell.periods.volume_interval, the dashboard's rule), each from
    # its local midnight; the crisis bands below keep their hours.
    traces, layout = figures["Lumora: mentions per day by sentiment"]
    negative = next(t for t in traces if t["name"] == "negative")
    bars = {x: y for x, y in zip(negative["x"], negative["y"], strict=True) if y}
    expected: dict[str, int] = {}
    for hour, count in ((shipping_hour, 6), (crisis_hour, 12)):
        expected[hour[:10] + "T00:00:00"] = expected.get(hour[:10] + "T00:00:00", 0) + count
    assert bars == expected
    assert sorted(s["x0"] for s in layout["shapes"]) == sorted([shipping_hour, crisis_hour])  # the crises' bands
    assert layout["xaxis"]["title"]["text"] == f"time ({tz})"

    (trace,), layout = figures["Net sentiment per day (% positive − % negative)"]
    by_day = {x[:10]: round(y, 6) for x, y in zip(trace["x"], trace["y"], strict=True)}
    assert all(x.endswith("T00:00:00") for x in trace["x"])  # each day from its local midnight
    assert {d: by_day[d] for d in net} == net

    (trace,), layout = figures[f"Lumora: rising themes on {day}"]
    assert list(reversed(trace["y"])) == rising
    assert f"day of the critical spike alert{days}" in layout["title"]["text"]
