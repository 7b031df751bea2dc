"""A verdict on an incident in real headless Chromium: the Alerts page's card has the buttons, a click stores the
verdict (with its note) and the card shows it with who gave it; the overview's card shows it too; undo takes it
back. Demo data in a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_server import live_server
from test_web_browser import CHROMIUM_ARGS, _ready, _require_or_skip, _shot, browser, expect, recording_page  # noqa: F401
from web_support import demo_alerts, demo_app, demo_mentions, load_demo

from groundswell.alert_verdicts import verdict_history, verdicts

pytestmark = pytest.mark.browser
CRISIS = demo_alerts(demo_mentions())[0].id
PERIOD = "brand=Lumora&since=2026-11-01&until=2026-11-15"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from indexing.sqlite import SqliteStore

    store = SqliteStore(tmp_path_factory.mktemp("verdict-browser") / "g.db")
    load_demo(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def server(store) -> Iterator[str]:
    with live_server(demo_app(store)) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def page(browser, server):  # noqa: F811
    yield from recording_page(browser, server)


def test_a_click_marks_an_incident_a_false_alarm_and_undo_takes_it_back(page, store):
    page.goto("/alerts?" + PERIOD)
    _ready(page)
    card = page.locator(f'li.incident-card[data-incident="{CRISIS}"]')
    bar = card.locator(".verdict")
    expect(bar).to_contain_text("no verdict yet")
    expect(bar.locator("button.set-verdict")).to_have_count(3)
    bar.locator("input.verdict-note").fill("a parody account, not customers")
    bar.locator('button[data-verdict="false_alarm"]').click()
    shown = card.locator(".verdict .badge.verdict-false_alarm")
    expect(shown).to_contain_text("false alarm \u00b7 dashboard")
    expect(card.locator(".verdict .verdict-said")).to_have_text("\u201ca parody account, not customers\u201d")
    record = verdicts(store)[CRISIS]
    assert (record["verdict"], record["by"], record["note"]) == ("false_alarm", "dashboard",
                                                                 "a parody account, not customers")
    # the button of the verdict given is gone; the others replace it, undo takes it back
    expect(card.locator('.verdict button[data-verdict="false_alarm"]')).to_have_count(0)
    _shot(page, "alerts-verdict")

    page.goto("/overview?" + PERIOD)  # the overview's card carries the same verdict
    _ready(page)
    over = page.locator(f'#incident-list li.incident-card[data-incident="{CRISIS}"]')
    expect(over.locator(".verdict .badge.verdict-false_alarm")).to_be_visible()
    over.locator('.verdict button[data-verdict="real"]').click()
    expect(over.locator(".verdict .badge.verdict-real")).to_contain_text("real crisis")
    assert verdicts(store)[CRISIS]["verdict"] == "real"
    over.locator(".verdict button.undo-verdict").click()  # one step back: the false alarm again
    expect(over.locator(".verdict .badge.verdict-false_alarm")).to_be_visible()
    over.locator(".verdict button.undo-verdict").click()
    expect(over.locator(".verdict")).to_contain_text("no verdict yet")
    assert verdicts(store) == {}
    assert [e["verdict"] for e in verdict_history(store)[CRISIS]] == ["false_alarm", "real", "false_alarm"]
    assert page.errors == []


def test_a_refused_verdict_leaves_the_card_as_it_was_and_says_why(page, store):
    page.goto("/alerts?" + PERIOD)
    _ready(page)
    bar = page.locator(f'li.incident-card[data-incident="{CRISIS}"] .verdict')
    # The note box holds 500 characters; a longer one can only come from a script: the server refuses it.
    bar.locator("input.verdict-note").evaluate("(box) => box.removeAttribute('maxlength')")
    bar.locator("input.verdict-note").fill("x" * 501)
    bar.locator('button[data-verdict="ack"]').click()
    expect(page.locator("#error")).to_contain_text("at most 500")
    expect(bar.locator('button[data-verdict="ack"]')).to_be_enabled()
    expect(bar).to_contain_text("no verdict yet")
    assert verdicts(store) == {}
