"""Charts and incident cards of the dashboard and the report, checked in real Chromium (issue 20).

The data is the demo corpus (`web_support`) with alerts from the real detectors (`pipeline.detect`
with the demo's alert settings), so one crisis trips many alerts that share an incident, as in
`groundswell demo`. Checks read plotly's own data and the DOM (never pixels of a screenshot);
screenshots go to `test-artifacts/screenshots/charts-*.png` for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import yaml
from live_server import live_server
from test_web_browser import SHOTS, browser, recording_page  # noqa: F401  (browser: the shared Chromium fixture)
from web_support import demo_mentions

from alerts.incidents import count_alerts
from core.mention import Author, Mention, Sentiment
from groundswell import palette
from groundswell.config import parse_config
from groundswell.demo import DEMO_CONFIG
from groundswell.demo_corpus import CRISIS_START
from groundswell.pipeline import detect, stored_alerts
from groundswell.report import write_report
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.browser
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
# A theme label as the real clustering writes them: long, several scripts (too wide for a fixed margin).
LONG_THEME = "charging · overheating · smoke · 배터리 · 过热 · перегрев"


def _long_theme_mentions() -> list[Mention]:
    return [
        Mention(
            source="x",
            native_id=f"long-theme-{i}",
            text=f"Lumora battery overheating while charging, smoke #{i}",
            created_at=CRISIS_START + timedelta(hours=2, minutes=i),
            brand="Lumora",
            lang="en",
            author=Author(handle=f"long_theme_{i}", followers=10),
            sentiment=Sentiment(label="negative", probs={"negative": 0.9}, model="test"),
            themes=[LONG_THEME],
        )
        for i in range(40)
    ]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo store with the real detectors' alerts stored, and the report written from it."""
    root = tmp_path_factory.mktemp("charts")
    db = root / "demo.db"
    store = SqliteStore(db)  # demo mentions without web_support's hand-made alerts: only the detectors' here
    list(store.upsert(demo_mentions() + _long_theme_mentions()))
    settings = yaml.safe_load(DEMO_CONFIG)
    settings.update(store={"type": "sqlite", "path": str(db)}, channels=[], report={"path": str(root / "report.html")})
    config = parse_config(settings)
    detect(config, store)
    alerts = stored_alerts(store)
    report = write_report(config, store, alerts)
    yield config, store, alerts, report
    store.close()


@pytest.fixture(scope="module")
def server(demo) -> Iterator[str]:

    from dashboards.web.app import create_app

    config, store, _, _ = demo
    app = create_app(store, config)
    with live_server(app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def page(browser, server):  # noqa: F811  (browser is the imported fixture)
    yield from recording_page(browser, server, height=900)


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"charts-{name}.png"), full_page=True)


# Bars as plotly placed them: its calcdata holds each bar's centre `p` and the trace's bar width.
_BARS = """(id) => {
  const gd = document.getElementById(id);
  return gd.calcdata.filter((cd) => cd[0].trace.type === 'bar').flatMap((cd) => cd.map((pt, i) => ({
    start: Date.parse(cd[0].trace.x[i]), centre: pt.p, width: pt.w,
  })));
}"""
_AXIS = """(id) => {
  const ax = document.getElementById(id)._fullLayout.xaxis;
  return { range: ax.range.map((v) => ax.r2l(v)), offset: ax._offset, length: ax._length };
}"""
_SHAPES = "(id) => document.getElementById(id)._fullLayout.shapes.map((s) => [Date.parse(s.x0), Date.parse(s.x1)])"


def _assert_bars_cover_their_bucket(bars: list[dict], step_ms: int) -> None:
    assert bars
    for bar in bars:
        left, right = bar["centre"] - bar["width"] / 2, bar["centre"] + bar["width"] / 2
        assert bar["start"] <= left < right <= bar["start"] + step_ms, bar
        assert bar["centre"] == bar["start"] + step_ms / 2, bar


def test_daily_bars_cover_their_day_and_the_crisis_band_sits_on_its_day(page):
    _open(page, "/overview?brand=Lumora&days=7")
    assert page.evaluate("document.getElementById('chart-volume')._fullLayout.xaxis.type") == "date"
    bars = page.evaluate(_BARS, "chart-volume")
    _assert_bars_cover_their_bucket(bars, DAY_MS)
    crisis_day = int(CRISIS_START.replace(hour=0).timestamp() * 1000)
    band_start = min(x0 for x0, _ in page.evaluate(_SHAPES, "chart-volume") if x0 >= crisis_day)
    under = [b for b in bars if b["centre"] - b["width"] / 2 <= band_start <= b["centre"] + b["width"] / 2]
    assert under and {b["start"] for b in under} == {crisis_day}  # the band is over the crisis day's bar
    ticks = page.evaluate(
        "Array.from(document.querySelectorAll('#chart-volume .xtick text')).map((t) => t.textContent)"
    )
    assert len(ticks) == len({b["start"] for b in bars}) and "Nov 11" in ticks  # one label per day, naming it
    _shot(page, "overview-7d")
    assert page.errors == []


def test_hourly_volume_and_net_sentiment_share_their_x_axis(page):
    _open(page, "/overview?brand=Lumora&since=2026-11-11&until=2026-11-12")
    _assert_bars_cover_their_bucket(page.evaluate(_BARS, "chart-volume"), HOUR_MS)
    volume, net = page.evaluate(_AXIS, "chart-volume"), page.evaluate(_AXIS, "chart-net")
    assert all(isinstance(t, int | float) for t in volume["range"]), volume
    assert volume == net  # same range, and the plot areas start and end at the same pixel
    _shot(page, "overview-24h")
    assert page.errors == []


def _labels_inside_svg(page, chart_id: str, labels: str = ".ytick text, .xtick text") -> list[str]:
    """Labels whose box pokes out of their chart's SVG (clipped on screen)."""
    return page.evaluate(
        """([id, labels]) => {
          const svg = document.querySelector('#' + id + ' svg.main-svg').getBoundingClientRect();
          return Array.from(document.getElementById(id).querySelectorAll(labels))
            .filter((t) => { const r = t.getBoundingClientRect();
              return r.left < svg.left - 0.5 || r.right > svg.right + 0.5 || r.top < svg.top - 0.5
                || r.bottom > svg.bottom + 0.5; })
            .map((t) => t.textContent);
        }""",
        [chart_id, labels],
    )


def test_theme_labels_are_not_clipped(page):
    # 7 days against the whole week of data before them: both charts drawn (90 days would compare with the months
    # before the demo's data, where nothing is judged rising: dashboards/web/coverage.py)
    _open(page, "/themes?brand=Lumora&days=7")
    for chart in ("chart-recurring", "chart-rising"):
        labels = page.evaluate(
            "(id) => Array.from(document.querySelectorAll('#' + id + ' .ytick text')).map(t => t.textContent)", chart
        )
        assert LONG_THEME in labels, chart
        assert _labels_inside_svg(page, chart) == [], chart
    _shot(page, "themes")
    _open(page, "/overview?brand=Lumora&days=1")  # a small slice's label sits outside the pie
    pie_labels = page.evaluate("Array.from(document.querySelectorAll('#chart-sov text')).map((t) => t.textContent)")
    assert any("Sonique" in t for t in pie_labels)
    assert _labels_inside_svg(page, "chart-sov", "text") == []
    for chart in ("chart-volume", "chart-net", "chart-source", "chart-lang"):
        assert _labels_inside_svg(page, chart) == [], chart
    assert page.errors == []


def test_one_card_per_incident_crisis_pinned_and_one_count_everywhere(page, demo):
    _, _, alerts, report = demo
    lumora = [a for a in alerts if a.brand == "Lumora"]
    expected_all, expected_lumora = count_alerts(alerts), count_alerts(lumora)
    assert expected_lumora.alerts > expected_lumora.incidents  # the crisis holds several alerts

    _open(page, "/alerts?brand=Lumora")
    counter = page.locator("#incident-count")
    shown = (int(counter.get_attribute("data-incidents")), int(counter.get_attribute("data-alerts")))
    assert shown == (expected_lumora.incidents, expected_lumora.alerts)
    cards = page.locator("#alert-list > li.incident-card")
    assert cards.count() == expected_lumora.incidents
    assert page.locator("#alert-list li.alert-card").count() == expected_lumora.alerts
    first = cards.first
    assert "pinned" in (first.get_attribute("class") or "") and page.locator("li.incident-card.pinned").count() == 1
    assert "critical" in first.get_attribute("class") and "crisis" in first.locator(":scope > h3").inner_text()
    kinds = first.locator("ol.timeline > li.alert-card h3").all_inner_texts()
    assert len(kinds) > 1 and any("spike" in k for k in kinds) and any("all_clear" in k for k in kinds)
    pinned_id = first.get_attribute("data-incident")
    _shot(page, "alerts-incidents")

    _open(page, "/overview?brand=Lumora&days=90")
    kpi = page.locator("#kpi-alerts")
    assert (int(kpi.get_attribute("data-incidents")), int(kpi.get_attribute("data-alerts"))) == shown
    assert page.locator("#incident-list > li.incident-card").count() == shown[0]
    assert page.locator("#incident-list > li.incident-card").first.get_attribute("data-incident") == pinned_id
    _shot(page, "overview-incidents")

    _open(page, "/alerts")  # every brand, every period: what the report covers
    all_brands = page.locator("#incident-count")
    shown_all = (int(all_brands.get_attribute("data-incidents")), int(all_brands.get_attribute("data-alerts")))
    assert shown_all == (expected_all.incidents, expected_all.alerts)
    page.goto(report.as_uri())
    header = page.locator("#kpi-alerts")
    assert (int(header.get_attribute("data-incidents")), int(header.get_attribute("data-alerts"))) == shown_all
    assert page.locator("div.incident[data-incident]").count() == expected_all.incidents
    assert page.locator("div.incident.pinned").first.get_attribute("data-incident") == pinned_id
    assert page.errors == []


def test_report_charts_align_annotate_once_and_share_the_dashboard_palette(page, demo):
    _, _, _, report = demo
    page.goto(report.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg")
    volume_id = page.evaluate("document.querySelectorAll('.js-plotly-plot')[0].id")
    # The demo store spans more than three days: the report draws day bars, as the overview does for such a range
    # (groundswell.periods.volume_interval).
    _assert_bars_cover_their_bucket(page.evaluate(_BARS, volume_id), DAY_MS)
    boxes = page.evaluate(
        """(id) => Array.from(document.getElementById(id).querySelectorAll('.annotation')).map((a) => {
             const r = a.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, a.textContent]; })""",
        volume_id,
    )
    assert boxes and all("crisis alert" in b[4] for b in boxes)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)  # no two overlap
    colours = page.evaluate(
        """(id) => Object.fromEntries(document.getElementById(id)._fullData.map((t) => [t.name, t.marker.color]))""",
        volume_id,
    )
    _shot(page, "report")

    assert {k: colours[k] for k in colours} == {k: palette.SENTIMENT[k] for k in colours}
    _open(page, "/overview?brand=Lumora")
    dashboard = page.evaluate(
        "Object.fromEntries(document.getElementById('chart-volume')._fullData.map((t) => [t.name, t.marker.color]))"
    )
    assert dashboard == {k: palette.SENTIMENT[k] for k in dashboard} and set(dashboard) == set(colours)
    # The competitor is named in words, not with a glyph that a font may lack.
    pie = page.evaluate("Array.from(document.querySelectorAll('#chart-sov text')).map((t) => t.textContent)")
    assert any("Sonique (competitor)" in t for t in pie) and not any("\u2694" in t for t in pie)


def test_filters_have_labels_and_author_headers_are_words(page):
    _open(page, "/explore")
    unlabelled = page.evaluate(
        """Array.from(document.querySelectorAll('#filters select, #filters input'))
             .filter((c) => !c.id || !(document.querySelector('label[for="' + c.id + '"]') || {}).textContent)
             .map((c) => c.name)"""
    )
    assert unlabelled == []
    label = page.locator("label[for='f-brand']")
    assert "Brand" in label.inner_text()
    label.click()  # a real label: clicking it focuses its control
    assert page.evaluate("document.activeElement.name") == "brand"
    _open(page, "/overview")
    assert page.locator("#authors thead th").all_inner_texts() == [
        "Author",
        "Source",
        "Mentions",
        "Engagement",
        "Followers",
    ]
    assert page.errors == []
