"""The dashboard's behaviour around its data, in real headless Chromium (the s63 browser review's findings):
a failed request said and the old figures marked, a loading state, the alert link from a message, no cloud
buttons, any `days` from a URL kept, Back/Forward and the header links keeping the filters, one clock on the Alerts
timeline, and charts a screen reader can read. The demo store and its two alerts (tests/dashboards/web_support.py)
are served by a real uvicorn; nothing is mocked but the network failure a stopped server gives.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from test_web_browser import browser, expect, loaded, recording_page, server  # noqa: F401
from web_support import demo_alerts, demo_mentions

from alerts.explain import dashboard_link, explore_query

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, server):  # noqa: F811
    yield from recording_page(browser, server)


_ready = loaded  # the nth data load, not only the first (test_web_browser.loaded)


def _critical():
    return demo_alerts(demo_mentions())[0]


def test_a_request_that_gets_no_answer_is_said_and_the_old_figures_are_marked(page):
    page.goto("/overview?brand=Lumora")
    _ready(page)
    expect(page.locator("main")).not_to_have_attribute("data-stale", "1")
    # The server stops answering: fetch throws (no HTTP status at all), as with a stopped dashboard.
    page.route("**/api/overview*", lambda route: route.abort("connectionrefused"))
    page.select_option("select[name=lang]", "ko")
    page.click("#filters button[type=submit]")
    _ready(page, 2)
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).to_contain_text("did not answer")
    expect(page.locator("#error")).to_contain_text("from before")
    expect(page.locator("main")).to_have_attribute("data-stale", "1")
    # Answered again: the mark goes.
    page.unroute("**/api/overview*")
    page.click("#filters button[type=submit]")
    _ready(page, 3)
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("main")).not_to_have_attribute("data-stale", "1")


def test_the_faq_says_it_is_loading_while_its_request_runs(page):
    held = []
    page.route("**/api/faq*", lambda route: held.append(route))  # answered only when the test lets it
    page.goto("/faq")
    page.wait_for_function("() => document.querySelector('#loading') && !document.querySelector('#loading').hidden")
    expect(page.locator("#loading")).to_contain_text("Loading")
    expect(page.locator("#faq-questions-note")).to_contain_text("reading")
    expect(page.locator("main")).to_have_attribute("aria-busy", "true")
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    _ready(page)
    expect(page.locator("#loading")).to_be_hidden()
    expect(page.locator("main")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#faq-questions-note")).not_to_contain_text("reading")


def test_an_alert_message_link_opens_its_card_and_explore_shows_its_hour(page, server):  # noqa: F811
    alert = _critical()
    link = dashboard_link(server, alert)
    assert urlsplit(link).path == "/alerts"
    page.goto(link)
    _ready(page)
    card = page.locator(f"#alert-list li.alert-card[data-id='{alert.id}']")
    expect(card).to_have_class(re.compile(r"\bfocused\b"))
    expect(card.locator("details")).to_have_attribute("open", "")
    expect(card).to_be_in_viewport()
    incident = card.locator("xpath=ancestor::li[contains(@class, 'incident-card')]")
    expect(incident.locator("button.set-verdict")).to_have_count(3)
    expect(card).to_contain_text(alert.summary[:40])
    note = page.locator("#focus-note")
    expect(note).to_contain_text("highlighted")
    note.get_by_role("link").click()
    page.wait_for_url("**/explore?**")
    _ready(page)
    asked = parse_qs(urlsplit(page.url).query)
    assert asked["since"] == [alert.window_start.strftime("%Y-%m-%dT%H:%M:%SZ")]
    start = alert.window_start
    expect(page.locator("#exact-window")).to_have_text(
        f"\u23f1\ufe0f {start:%Y-%m-%d %H:%M}\u2013{start + timedelta(hours=1):%H:%M} UTC")
    # A link sent before this rule (Explore's) still opens its posts.
    page.goto("/explore?" + explore_query(alert))
    _ready(page)
    expect(page.locator("#result-count")).to_contain_text("matches")
    expect(page.locator("#exact-window")).to_be_visible()


def test_charts_have_no_cloud_buttons_and_their_mode_bars_no_tab_stops(page):
    response = page.goto("/overview?brand=Lumora")
    _ready(page)
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert "frame-src 'none'" in response.headers["content-security-policy"]
    page.hover("#chart-volume")
    assert page.locator("#chart-volume .modebar-btn").count() > 0  # the mode bar is there for the mouse
    titles = page.eval_on_selector_all(".modebar-btn", "bs => bs.map((b) => b.getAttribute('data-title'))")
    assert not [t for t in titles if re.search(r"cloud|chart studio|share", t or "", re.I)], titles
    tab_stops = page.eval_on_selector_all(".modebar a, .modebar button",
                                          "bs => bs.filter((b) => b.tabIndex >= 0).length")
    assert tab_stops == 0


def test_a_days_value_from_a_url_is_shown_and_sent(page):
    with page.expect_request(re.compile(r"/api/overview\?")) as asked:
        page.goto("/overview?brand=Lumora&days=365")
    assert parse_qs(urlsplit(asked.value.url).query)["days"] == ["365"]
    _ready(page)
    expect(page.locator("select[name=preset]")).to_have_value("365")
    expect(page.locator("select[name=preset] option:checked")).to_have_text("365 d")


def test_back_restores_the_filters_and_header_links_carry_them(page):
    page.goto("/overview?brand=Sonique&days=30")
    _ready(page)
    page.select_option("select[name=lang]", "ko")
    page.click("#filters button[type=submit]")
    _ready(page, 2)
    page.select_option("select[name=lang]", "en")
    page.click("#filters button[type=submit]")
    _ready(page, 3)
    page.go_back()
    _ready(page, 4)
    assert parse_qs(urlsplit(page.url).query)["lang"] == ["ko"]
    expect(page.locator("select[name=lang]")).to_have_value("ko")
    page.go_back()
    _ready(page, 5)
    expect(page.locator("select[name=lang]")).to_have_value("")
    page.go_forward()
    _ready(page, 6)
    expect(page.locator("select[name=lang]")).to_have_value("ko")
    page.click("header nav a[href^='/explore']")
    page.wait_for_url("**/explore?**")
    _ready(page)
    expect(page.locator("select[name=brand]")).to_have_value("Sonique")
    expect(page.locator("select[name=lang]")).to_have_value("ko")
    expect(page.locator("select[name=preset]")).to_have_value("30")
    # Alerts has no language filter: its links still carry the language on to the next page.
    page.click("header nav a[href^='/alerts']")
    _ready(page)
    page.click("#filters button[type=submit]")
    _ready(page, 2)
    assert "lang=ko" in page.get_attribute("header nav a[href^='/faq']", "href")


def test_alerts_timeline_draws_incidents_and_dots_on_the_pages_clock(page):
    alert = _critical()
    page.goto("/alerts?tz=America/New_York")
    _ready(page)
    traces = page.evaluate("() => document.getElementById('chart-alerts').data.map((t) => t.x)")
    local = (alert.window_start - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S")  # EST in November
    assert local in traces[1]  # the dot
    assert local in traces[0]  # its incident's line starts at the same moment, on the same clock
    title = page.evaluate("() => document.getElementById('chart-alerts').layout.xaxis.title.text")
    assert "America/New_York" in title
    for field in ("since", "until"):
        tip = page.locator(f"input[name={field}]").locator("xpath=ancestor::span[1]").get_attribute("title")
        assert "America/New_York" in tip and "UTC" not in tip


def test_charts_are_labelled_with_their_figures_and_the_timeline_has_a_legend(page):
    page.goto("/overview?brand=Lumora")
    _ready(page)
    chart = page.locator("#chart-volume")
    expect(chart).to_have_attribute("role", "figure")
    expect(chart).to_have_attribute("aria-label", re.compile(r"Volume by sentiment.*negative"))
    table = page.locator("#chart-volume + .chart-data table")
    assert table.locator("tr").count() > 5
    expect(page.locator("#chart-sov")).to_have_attribute("role", "figure")
    page.goto("/alerts")
    _ready(page)
    expect(page.locator("#chart-alerts")).to_have_attribute("aria-label", re.compile("Alert timeline"))
    legend = page.locator("#alerts-legend")
    expect(legend).to_contain_text("severity")
    expect(legend).to_contain_text("size = score")
    assert legend.locator(".dot").count() == 3
