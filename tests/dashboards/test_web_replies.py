"""The replies tile on the overview, /api/replies and the Needs reply page: real store, real uvicorn,
real headless Chromium (the browser tests skip without it, as test_web_browser.py's do)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from live_server import live_server, raw_get
from test_web_browser import browser, recording_page  # noqa: F401  (browser: the shared Chromium fixture)

from core.mention import Mention, Sentiment
from groundswell.config import BrandConfig
from indexing.sqlite import SqliteStore

# The app measures waiting time against the real clock: the posts are placed relative to it, at the
# moment the store is built (not at import: a full run collects minutes before this module runs).
NOW = datetime.now(UTC).replace(microsecond=0)
BRANDS = [
    BrandConfig(name="Lumora", query="lumora", own_accounts={"x": ["@LumoraSupport"]}, response_goal_minutes=30),
    BrandConfig(name="Other", query="other"),
]


def _m(nid, minutes_ago, author="ann", label="negative", reply_to=None, brand="Lumora"):
    return Mention(
        source="x",
        native_id=nid,
        text=f"Lumora <b>post</b> {nid}",
        brand=brand,
        created_at=NOW - timedelta(minutes=minutes_ago),
        author={"handle": author},
        reply_to=reply_to,
        url=f"https://x.com/{author}/status/{nid}",
        sentiment=Sentiment(label=label, probs={label: 1.0}, model="t"),
    )


@pytest.fixture(scope="module")
def port(tmp_path_factory) -> Iterator[int]:
    from dashboards.web.app import create_app

    global NOW
    NOW = datetime.now(UTC).replace(microsecond=0)
    store = SqliteStore(tmp_path_factory.mktemp("replies") / "g.db")
    posts = [
        _m("101", 200),
        _m("r101", 190, author="LumoraSupport", reply_to="x:101", label="neutral"),  # 10 min
        _m("102", 180, label="positive"),
        _m("r102", 130, author="LumoraSupport", reply_to="x:102"),  # 50 min
        _m("103", 150),
        _m("104", 90),  # waiting 150 and 90 min
        _m("105", 10),  # 10 min old: within the goal
        _m("201", 100, brand="Other"),
    ]
    assert all(r.ok for r in store.upsert(posts))
    with live_server(create_app(store, BRANDS)) as p:
        yield p
    store.close()


def _get(port, path):
    status, _, body = raw_get(port, path)
    return status, json.loads(body)


def test_api_replies_gives_the_figures_and_the_queue(port):
    status, data = _get(port, "/api/replies?brand=Lumora&days=2")
    assert status == 200 and data["configured"] and data["goal_minutes"] == 30
    assert data["overall"] == {
        "posts": 5,
        "answered": 2,
        "answered_share": 0.4,
        "median_minutes": 30.0,
        "p90_minutes": 46.0,
        "within_goal": 1,
    }
    late = (datetime.now(UTC) - NOW).total_seconds() / 60  # minutes since the posts were placed
    waiting = [(m["id"], m["waited_minutes"]) for m in data["needs_reply"]]
    assert [i for i, _ in waiting] == ["x:103", "x:104"]
    assert all(base <= w <= base + late + 1 for (_, w), base in zip(waiting, (150, 90), strict=True))
    assert data["needs_reply_total"] == 2
    status, limited = _get(port, "/api/replies?brand=Lumora&days=2&limit=1")
    assert [m["id"] for m in limited["needs_reply"]] == ["x:103"] and limited["needs_reply_total"] == 2


def test_api_replies_for_a_brand_without_own_accounts_and_bad_input(port):
    status, data = _get(port, "/api/replies?brand=Other")
    assert status == 200 and data["configured"] is False and data["needs_reply"] == []
    status, data = _get(port, "/api/replies?brand=Nope")
    assert status in (400, 404) and data["param"] == "brand"
    status, data = _get(port, "/api/replies?brand=Lumora&limit=0")
    assert status == 400 and data["param"] == "limit"


def test_overview_carries_the_replies_tile_figures(port):
    status, data = _get(port, "/api/overview?brand=Lumora&days=2")
    assert status == 200
    assert data["replies"]["overall"]["answered"] == 2 and data["replies"]["needs_reply_total"] == 2
    assert data["replies"]["needs_reply"] == []  # the tile carries figures; the queue is /api/replies


# -- in the browser ------------------------------------------------------------------------------------
@pytest.fixture
def page(browser, port):  # noqa: F811  (browser: the shared Chromium fixture)
    yield from recording_page(browser, f"http://127.0.0.1:{port}")


@pytest.mark.browser
def test_overview_tile_links_to_the_needs_reply_queue(page):
    from playwright.sync_api import expect

    page.goto("/overview?brand=Lumora&days=2")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    tile = page.locator("#kpi-replies")
    expect(tile).to_contain_text("40%")
    expect(tile).to_contain_text("median 30 min")
    expect(tile).to_contain_text("2 waiting")
    tile.locator("a").click()
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    assert page.url.endswith("/replies?brand=Lumora")
    queue = page.locator("#reply-queue li.mention")
    expect(queue).to_have_count(2)
    expect(queue.first).to_contain_text("150 min")
    expect(queue.first).to_contain_text("Lumora <b>post</b> 103")  # the text as typed, never as HTML
    expect(page.locator("#reply-days tr")).not_to_have_count(0)
    assert page.errors == []


@pytest.mark.browser
def test_no_tile_and_a_hint_for_a_brand_without_own_accounts(page):
    from playwright.sync_api import expect

    page.goto("/overview?brand=Other&days=2")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    expect(page.locator("#kpi-alerts")).to_have_count(1)
    expect(page.locator("#kpi-replies")).to_have_count(0)
    page.goto("/replies?brand=Other")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    expect(page.locator("#reply-kpis")).to_contain_text("No own accounts configured")
    assert page.errors == []
