"""The overview's volume chart with one viral hour (surge finding 7), in real headless Chromium on a served
dashboard: a store holding a 40,000-post hour beside a ~2-an-hour baseline and a few hundred-post hours of
ramp-up. On the linear axis those hours are drawn as nothing, and a note beside the chart says so; the "Log
scale" checkbox (reached and flipped with the keyboard) redraws the axis on a log scale where every non-empty
hour is a visible bar and an empty hour or sentiment draws nothing (no log 0). The setting is kept in the URL as
`scale=log` (a reload and a filter change keep it; it is never sent to the API, which refuses parameters it does
not know) and unticking it drops it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from live_server import live_server
from test_web_browser import (  # noqa: F401
    _expected_console_errors,
    _ready,
    _shot,
    browser,
    loaded,
    recording_page,
)

from core.mention import Mention, Sentiment
from dashboards.web.app import create_app
from groundswell.config import parse_config
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.browser

START = datetime(2026, 3, 10, tzinfo=UTC)
HUGE = 40_000
# Hours after START -> negative posts: the crisis's ramp-up, its viral hour and its tail.
CRISIS = {37: 300, 38: HUGE, 39: 600, 40: 120}
VIEW = "/overview?brand=Acme&since=2026-03-10&until=2026-03-12"


def _mention(hour: int, i: int, label: str | None) -> Mention:
    at = START + timedelta(hours=hour, minutes=i % 60, seconds=(i // 60) % 60)
    return Mention(source="x", native_id=f"{hour}-{label}-{i}", text=f"Acme post {hour} {i}", brand="Acme",
                   created_at=at,
                   sentiment=Sentiment(label=label, probs={label: 1.0}, model="t") if label else None)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    store = SqliteStore(tmp_path_factory.mktemp("log-scale") / "g.db")
    # The baseline: two neutral posts an hour, every third hour one untagged too (so a sentiment is 0 in most
    # hours: a log axis must draw no segment for it); hour 5 has none at all.
    mentions = [_mention(h, i, "neutral") for h in range(48) if h != 5 for i in range(2)]
    mentions += [_mention(h, 0, None) for h in range(0, 48, 3) if h != 5]
    mentions += [_mention(h, i, "negative") for h, n in CRISIS.items() for i in range(n)]
    assert all(r.ok for r in store.upsert(mentions, chunk_size=5000))
    config = parse_config({"brands": [{"name": "Acme", "query": "acme"}]})
    with live_server(create_app(store, config, alert_loader=list)) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.fixture
def page(browser, server):  # noqa: F811
    yield from recording_page(browser, server)


def _drawn_hours(page) -> int:
    """How many hours of the volume chart plotly drew at least 4 px tall (all sentiments stacked)."""
    return page.evaluate("""() => {
        const gd = document.getElementById('chart-volume');
        const tall = new Set();
        gd.querySelectorAll('.trace.bars').forEach((trace) => {
            trace.querySelectorAll('.point path').forEach((path, i) => {
                if (path.getBBox().height >= 4) tall.add(i);
            });
        });
        return tall.size;
    }""")


def _axis(page) -> dict:
    return page.evaluate("""() => {
        const gd = document.getElementById('chart-volume');
        return {type: gd._fullLayout.yaxis.type, range: gd._fullLayout.yaxis.range,
                ys: gd.data.map((t) => t.y), x: gd.data[0].x.length};
    }""")


def test_the_huge_hour_flattens_the_linear_axis_and_log_scale_shows_every_hour(page):
    page.goto(VIEW)
    _ready(page)
    axis = _axis(page)
    assert axis["type"] == "linear" and axis["x"] == 47  # hourly; hour 5 has no posts, so no bucket
    # Linear: only the crisis's hours are taller than 4 px; the note beside the chart says the rest are flat.
    assert _drawn_hours(page) <= len(CRISIS)
    note = page.locator("#volume-scale-note")
    assert note.is_visible() and "Log scale shows them" in note.inner_text()
    assert not page.locator("#volume-log").is_checked()

    # The keyboard reaches the checkbox and Space flips it (a native control, no mouse needed).
    page.focus("#volume-log")
    page.keyboard.press("Space")
    page.wait_for_function("() => document.getElementById('chart-volume')._fullLayout.yaxis.type === 'log'")
    assert "scale=log" in page.url
    axis = _axis(page)
    # From half a post (a 1-post hour is a bar) to above the huge hour.
    assert axis["range"][0] < 0 and 10 ** axis["range"][1] > HUGE
    # No zero goes to the log axis: an empty sentiment is no segment.
    assert all(y is None or y > 0 for ys in axis["ys"] for y in ys)
    assert _drawn_hours(page) == 47  # every hour with posts, baseline and ramp-up included
    assert "10\u00D7" in page.locator("#volume-scale-note").inner_text()
    _shot(page, "overview-volume-log-scale")
    assert _expected_console_errors(page) == []


def test_log_scale_is_kept_in_the_url_through_a_reload_and_a_filter_change(page):
    page.goto(VIEW + "&scale=log")
    _ready(page)
    assert page.locator("#volume-log").is_checked() and _axis(page)["type"] == "log"

    page.reload()
    _ready(page)
    assert page.locator("#volume-log").is_checked() and _axis(page)["type"] == "log"

    # The filters' submit rebuilds the URL from the form: the scale is put back, and the API never gets it
    # (it answers 400 to a parameter it does not know, which would show as an error here).
    page.select_option("select[name=source]", "x")
    page.click("#filters button[type=submit]")
    loaded(page, 2)
    assert "source=x" in page.url and "scale=log" in page.url
    assert page.locator("#volume-log").is_checked() and _axis(page)["type"] == "log"

    page.locator("#volume-log").uncheck()
    page.wait_for_function("() => document.getElementById('chart-volume')._fullLayout.yaxis.type === 'linear'")
    assert "scale=" not in page.url and "source=x" in page.url
    assert _expected_console_errors(page) == [] and page.locator("#error").is_hidden()
