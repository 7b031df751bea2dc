"""The overview's hourly charts across a clock change, in real headless Chromium on a served dashboard: on Rome's
25-hour 25 October the hour 02:00-03:00 read twice (CEST, then CET) is two bars at two x positions, ticked
"02:00 CEST" and "02:00 CET" (the zone under the time), where both hours' bars used to be drawn at one x (one
hiding the other); on the 23-hour 29 March the hour the clock skipped is no gap that reads as an hour with no
posts (01:00 CET is followed by 03:00 CEST, one bar width on). The weekly report's charts do the same
(groundswell/report.py, `_even_clock`). The zones are named by the server with `alerts.wording.clock_zone`
(`zones` in /api/overview), as the incident cards and the report name them: Sydney's "AEDT"/"AEST", not the
browser's "GMT+11"; Lord Howe's half hour read twice is ticked; and a real mouse hover's title never shows the even
clock's time, whatever plotly.js the installed plotly ships."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from live_server import live_server
from test_web_browser import (  # noqa: F401
    CHROMIUM_ARGS,
    _chart_texts,
    _ready,
    _require_or_skip,
    _shot,
    browser,
    recording_page,
)

from core.mention import Mention
from dashboards.web.app import create_app
from groundswell.config import parse_config
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.browser

# UTC hour -> posts: 25 October, 00:30Z is 02:30 CEST and 01:30Z is 02:30 CET; 29 March, 00:30Z is 01:30 CET and
# 01:30Z is 03:30 CEST (02:00-03:00 never happened). A few other hours so the day has a shape.
POSTS = {"2026-10-24T23:30": 1, "2026-10-25T00:30": 2, "2026-10-25T01:30": 5, "2026-10-25T02:30": 1,
         "2026-10-25T12:30": 3, "2026-03-28T23:30": 1, "2026-03-29T00:30": 4, "2026-03-29T01:30": 6,
         "2026-03-29T12:30": 2,
         # Sydney's 5 April: 15:30Z is 02:30 AEDT and 16:30Z 02:30 AEST; Lord Howe: 14:45Z is 01:45 (UTC+11) and
         # 15:15Z 01:45 (UTC+10:30), the half hour read twice.
         "2026-04-04T14:45": 3, "2026-04-04T15:15": 1, "2026-04-04T15:30": 7, "2026-04-04T16:30": 8}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    store = SqliteStore(tmp_path_factory.mktemp("dst-hours") / "g.db")
    mentions = [Mention(source="x", native_id=f"{at}-{i}", text=f"Acme {at} {i}", brand="Acme",
                        created_at=datetime.fromisoformat(at).replace(tzinfo=UTC))
                for at, n in POSTS.items() for i in range(n)]
    assert all(r.ok for r in store.upsert(mentions))
    config = parse_config({"brands": [{"name": "Acme", "query": "acme"}], "digest": {"timezone": "Europe/Rome"}})
    with live_server(create_app(store, config, alert_loader=list)) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.fixture
def page(browser, server):  # noqa: F811
    yield from recording_page(browser, server, timezone_id="America/Los_Angeles")


def _bars(page) -> dict[str, float]:
    """The volume chart's x -> posts (all sentiments stacked), as plotly was given them."""
    traces = page.evaluate("() => document.getElementById('chart-volume').data.map((t) => [t.x, t.y])")
    total: dict[str, float] = {}
    for xs, ys in traces:
        for x, y in zip(xs, ys, strict=True):
            total[x] = total.get(x, 0) + y
    return total


def _hours(x: str) -> float:
    return datetime.fromisoformat(x).timestamp() / 3600


def test_the_hour_read_twice_is_two_bars_named_by_their_zone(page):
    page.goto("/overview?brand=Acme&since=2026-10-25&until=2026-10-26")
    _ready(page)
    bars = _bars(page)
    # Both readings of 02:00 have a bar of their own, one hour apart: 2 posts at 02:30 CEST, 5 at 02:30 CET.
    twice = [x for x, n in sorted(bars.items()) if n in (2, 5)]
    assert [bars[x] for x in twice] == [2, 5]
    assert _hours(twice[1]) - _hours(twice[0]) == 1
    assert sum(bars.values()) == 12  # 00:30 CEST on the 25th to 23:59 CET: every post of the local day
    ticks = _chart_texts(page, "chart-volume")
    # Each reading's zone under its time (plotly draws the lines as tspans: textContent runs them together).
    assert "02:00CEST" in ticks and "02:00CET" in ticks, ticks
    hover = page.evaluate("() => document.getElementById('chart-volume').data[0].customdata")
    assert "Oct 25 02:00 CEST" in hover and "Oct 25 02:00 CET" in hover
    _shot(page, "overview-dst-fall-back")
    assert page.errors == []


def test_the_hour_the_clock_skipped_is_no_empty_hour(page):
    page.goto("/overview?brand=Acme&since=2026-03-29&until=2026-03-30")
    _ready(page)
    bars = _bars(page)
    before, after = (next(x for x, n in bars.items() if n == k) for k in (4, 6))  # 01:30 CET, 03:30 CEST
    assert _hours(after) - _hours(before) == 1  # the next bar, with no empty hour between
    xrange = page.evaluate("() => document.getElementById('chart-volume').layout.xaxis.range")
    assert _hours(xrange[1]) - _hours(xrange[0]) == 23  # a 23-hour day is 23 hours wide
    ticks = _chart_texts(page, "chart-volume")
    assert not any(t.startswith("02:00") for t in ticks), ticks
    assert page.errors == []



def test_zones_are_named_as_the_alerts_name_them(page):
    """Sydney's fall back: the ticks and hovers say AEDT and AEST (`clock_zone`), as an incident card's
    `summary_local` does; the browser's own Intl names both "GMT+1x" and the chart said "UTC+11"."""
    page.goto("/overview?brand=Acme&since=2026-04-05&until=2026-04-06&tz=Australia/Sydney")
    _ready(page)
    ticks = _chart_texts(page, "chart-volume")
    assert "02:00AEDT" in ticks and "02:00AEST" in ticks, ticks
    assert not any("UTC+" in t or "GMT" in t for t in ticks), ticks
    hover = page.evaluate("() => document.getElementById('chart-volume').data[0].customdata")
    assert "Apr 5 02:00 AEDT" in hover and "Apr 5 02:00 AEST" in hover, hover
    assert page.errors == []


def test_lord_howes_half_hour_read_twice_is_ticked(page):
    """Lord Howe goes back half an hour (UTC+11 to UTC+10:30): 01:30-02:00 is read twice; the tick of its second
    reading names the zone, as groundswell/report.py's `_wall_ticks` ('01:30 UTC+10:30'); a rule that looked only
    an hour away found nothing."""
    page.goto("/overview?brand=Acme&since=2026-04-04T12:00:00Z&until=2026-04-04T20:00:00Z&tz=Australia/Lord_Howe")
    _ready(page)
    ticks = _chart_texts(page, "chart-volume")
    assert any(t.startswith("01:30UTC+10:30") for t in ticks), ticks
    hover = page.evaluate("() => document.getElementById('chart-volume').data[0].customdata")
    assert hover[:2] == ["Apr 5 01:00 UTC+11", "Apr 5 01:30 UTC+10:30"], hover  # the UTC hours 14:00 and 15:00
    assert page.errors == []


def _hover_texts(page, x: str) -> list[str]:
    """What a real mouse over the volume chart at `x` (an axis value) shows: every text of the hover box."""
    pos = page.evaluate("""(x) => { const gd = document.getElementById('chart-volume'); const xa = gd._fullLayout.xaxis;
      const r = gd.querySelector('.nsewdrag').getBoundingClientRect();
      return [r.left + xa.d2p(x), r.top + r.height - 5]; }""", x)
    page.mouse.move(0, 0)  # off the chart first: the box of the hover before goes
    page.wait_for_function("() => document.querySelectorAll('#chart-volume .hoverlayer text').length === 0")
    page.mouse.move(pos[0], pos[1])
    page.wait_for_function("() => document.querySelectorAll('#chart-volume .hoverlayer text').length > 0")
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('#chart-volume .hoverlayer text')).map((t) => t.textContent)")


def test_the_hover_title_never_reads_the_even_clock(page):
    """The unified hover's title would read the even clock (an hour late after the change): it is blanked, with
    an attribute every plotly.js requirements.txt allows knows (`hoverformat`; `unifiedhovertitle` needs
    plotly.js 3.1, and plotly 6.2's 3.0.1 titled the 02:00 CET hour "Oct 25, 2026, 04:00")."""
    page.goto("/overview?brand=Acme&since=2026-10-25&until=2026-10-26")
    _ready(page)
    # The middle of the bars of 02:00 CET (5 posts, at 03:00 on the even clock) and 03:00 CET (1 post, at 04:00).
    for x, local in (("2026-10-25T03:30:00", "Oct 25 02:00 CET: 5"), ("2026-10-25T04:30:00", "Oct 25 03:00 CET: 1")):
        texts = _hover_texts(page, x)
        assert any(local in t for t in texts), texts
        # No other time in the box (plotly titles a bar on a tick with the tick's text, "02:00CET": the same
        # time): the even clock's "Oct 25, 2026, 04:00" was the title of 03:00 CET's box.
        others = [t.replace(" ", "") for t in texts if local not in t and t.strip()]
        assert all(t in local.replace(" ", "") for t in others), texts
    assert page.errors == []
