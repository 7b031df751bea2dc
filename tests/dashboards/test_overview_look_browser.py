"""The overview as Chromium draws it (browser review s63): a net sentiment resting on few posts drawn apart,
long ranges with few readable ticks, the Advocates card following the filters, the filter bar on short screens
and phones, the brands' table on a phone, and printing. Checks read plotly's data and the DOM, never pixels."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_server import live_server
from overview_look_support import MONTH, QUARTER, load
from test_web_browser import SHOTS, browser, recording_page  # noqa: F401  (browser: the shared Chromium fixture)
from web_support import demo_app

pytestmark = pytest.mark.browser
MAX_TICKS = 12


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    from indexing.sqlite import SqliteStore

    store = SqliteStore(tmp_path_factory.mktemp("overview-look-browser") / "g.db")
    load(store)
    with live_server(demo_app(store)) as port:
        yield f"http://127.0.0.1:{port}"
    store.close()


@pytest.fixture
def page(browser, server):  # noqa: F811
    yield from recording_page(browser, server)


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    page.wait_for_selector("#advocates tr, #advocates caption", timeout=30_000)


def _shot(page, name: str, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"overview-look-{name}.png"), full_page=full)


def _query(scope: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in scope.items())


_NET = """() => document.getElementById('chart-net').data.map((t) => ({
  name: t.name, x: t.x.map((v) => String(v).slice(0, 10)), y: t.y, posts: t.customdata || null,
  mode: t.mode, symbol: t.marker && t.marker.symbol || null,
  legend: document.getElementById('chart-net')._fullLayout.showlegend,
}))"""
_TICKS = "(id) => Array.from(document.querySelectorAll(`#${id} .xtick text`)).map((t) => t.textContent)"


def test_a_net_sentiment_of_one_post_is_drawn_apart_and_says_so(page):
    _open(page, f"/overview?brand=Lumora&{_query(MONTH)}")
    traces = page.evaluate(_NET)
    line, *apart = traces
    assert "2026-10-20" not in line["x"]  # the one-post day is out of the line
    assert line["posts"] and all(n >= 5 for n in line["posts"])  # hover: how many posts each point rests on
    assert len(apart) == 1 and apart[0]["x"] == ["2026-10-20"] and apart[0]["y"] == [-1]
    assert apart[0]["posts"] == [1] and apart[0]["mode"] == "markers" and "open" in apart[0]["symbol"]
    assert apart[0]["legend"] and "5 posts" in apart[0]["name"]  # the floor named in the legend
    legend = page.locator("#chart-net .legendtext").all_text_contents()
    assert any("under 5 posts" in text for text in legend), legend
    _shot(page, "net-floor")
    assert page.errors == []


@pytest.mark.parametrize(("scope", "interval"), [(MONTH, "day"), (QUARTER, "week")])
def test_long_ranges_have_few_readable_ticks(page, scope, interval):
    _open(page, f"/overview?brand=Lumora&{_query(scope)}")
    for chart in ("chart-volume", "chart-net"):
        ticks = page.evaluate(_TICKS, chart)
        assert 2 <= len(ticks) <= MAX_TICKS, (chart, ticks)
        assert all(len(t) <= 6 for t in ticks), ticks  # "Oct 15", not a date and time
        angle = page.evaluate(f"document.getElementById('{chart}')._fullLayout.xaxis.tickangle")
        assert angle in (0, "auto") or abs(angle) < 1, angle  # not rotated
    text = page.locator("#period-text").text_content()
    assert ("each bar a week" in text) == (interval == "week"), text
    _shot(page, f"ticks-{interval}")
    assert page.errors == []


def test_the_advocates_card_follows_the_language_filter(page):
    _open(page, "/overview?brand=Lumora&since=2026-11-01&until=2026-11-15&lang=ko")
    rows = page.locator("#advocates tbody tr td:nth-child(4)").all_text_contents()
    assert rows and all(row.endswith("\u00B7 ko") for row in rows), rows
    href = page.locator("#export-advocates").get_attribute("href")
    assert "lang=ko" in href, href
    assert page.errors == []


def _filter_bar(page) -> dict:
    return page.evaluate("""() => { const f = document.getElementById('filters');
      return { position: getComputedStyle(f).position, top: f.getBoundingClientRect().top,
               height: f.getBoundingClientRect().height, viewport: innerHeight }; }""")


def test_the_filter_bar_stays_on_top_on_a_laptop_only(browser, server):  # noqa: F811
    """1366x768: sticky; 640x400 (a 1280x800 laptop at 200% zoom) and a 390 px phone: it scrolls away (sticky,
    it covered 64-69% of those screens)."""
    for width, height, sticky in [(1366, 768, True), (640, 400, False), (390, 844, False)]:
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=server)
        page = context.new_page()
        try:
            _open(page, "/overview?brand=Lumora&days=7")
            page.mouse.wheel(0, 1500)
            page.wait_for_timeout(300)
            bar = _filter_bar(page)
            if sticky:
                assert bar["position"] == "sticky" and bar["top"] == 0, (width, bar)
            else:
                assert bar["position"] == "static" and bar["top"] + bar["height"] <= 0, (width, bar)
                _shot(page, f"filters-{width}x{height}", full=False)
        finally:
            context.close()


def test_on_a_phone_brands_compared_scrolls_instead_of_wrapping_names(browser, server):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server, is_mobile=True)
    page = context.new_page()
    try:
        _open(page, "/overview?brand=Lumora&days=7")
        cells = page.evaluate("""() => Array.from(document.querySelectorAll('#compare th, #compare td')).map((c) => {
            const line = parseFloat(getComputedStyle(c).lineHeight) || 18;
            const first = c.firstChild && c.firstChild.nodeType === 3 ? c.firstChild : null;
            let lines = 1;
            if (first) { const r = document.createRange(); r.selectNodeContents(first);
                         lines = Math.round(r.getBoundingClientRect().height / line); }
            return { text: (first ? first.textContent : c.textContent).trim(), lines }; })""")
        wrapped = [c for c in cells if c["text"] and c["lines"] > 1 and " " not in c["text"]]
        assert not wrapped, wrapped  # a one-word name or figure on one line
        card = page.evaluate("""() => { const c = document.getElementById('compare-card');
            return { scroll: c.scrollWidth, client: c.clientWidth, overflow: getComputedStyle(c).overflowX,
                     page: document.documentElement.scrollWidth, viewport: innerWidth }; }""")
        assert card["overflow"] == "auto" and card["page"] <= card["viewport"], card  # the card scrolls, not the page
        page.locator("#compare-card").screenshot(path=str(SHOTS / "overview-look-phone-compare.png"))
    finally:
        context.close()


def test_printing_hides_the_filters_fits_the_charts_and_splits_no_card(page):
    _open(page, "/overview?brand=Lumora&days=7")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1000})  # an A4 page's printable width
    page.wait_for_timeout(800)
    state = page.evaluate("""() => ({
      filters: getComputedStyle(document.getElementById('filters')).display,
      header: getComputedStyle(document.querySelector('header')).display,
      cards: Array.from(document.querySelectorAll('.card')).map((c) => getComputedStyle(c).breakInside),
      charts: Array.from(document.querySelectorAll('.js-plotly-plot')).map((c) => ({ id: c.id,
        svg: c.querySelector('svg.main-svg').getBoundingClientRect().right, box: c.getBoundingClientRect().right })),
      page: document.documentElement.clientWidth })""")
    assert state["filters"] == "none" and state["header"] == "none", state
    assert state["cards"] and set(state["cards"]) == {"avoid"}, state["cards"]
    assert state["charts"]
    for chart in state["charts"]:
        assert chart["svg"] <= state["page"] + 0.5, chart  # nothing cut at the page's right edge
    assert page.errors == []
