"""A route's refusal rests on facts of the alert that can change under the same alert id: its severity (an
unanswered-posts alert of the day whose queue grew), its languages and terms (an explanation that failed on
a store timeout, then worked). Delivery decides `route.min_severity` every run, as it does the channel's own
`min_severity`, and keeps a language or term refusal only while those facts hold. Real SQLite ledger, real
console channels."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from conftest import make_alert

from alerts.config import ConsoleChannel
from alerts.deliver import deliver, sent_key, with_pending
from alerts.response import Waiting
from alerts.routing import RouteRule
from alerts.unanswered import unanswered_alert
from core.mention import Author, Mention, Sentiment


def _waiting(n: int, now: datetime) -> list[Waiting]:
    """`n` negative customer posts, two hours without an own reply."""
    return [
        Waiting(
            Mention(
                source="x",
                native_id=str(i),
                text=f"acme broke my order {i}",
                created_at=now - timedelta(hours=2),
                author=Author(handle=f"u{i}"),
                brand="acme",
                sentiment=Sentiment(label="negative", probs={"negative": 0.9}, model="t"),
            ),
            timedelta(hours=2),
        )
        for i in range(n)
    ]


def test_route_min_severity_gets_the_critical_upgrade_of_the_same_alert(state):
    channel_level = ConsoleChannel(type="console", name="channel_level", min_severity="critical")
    route_level = ConsoleChannel(type="console", name="route_level", route=RouteRule(min_severity="critical"))
    morning_at, afternoon_at = datetime(2026, 3, 18, 8, tzinfo=UTC), datetime(2026, 3, 18, 14, tzinfo=UTC)
    morning = unanswered_alert("acme", 30, morning_at, _waiting(12, morning_at), min_posts=10)
    afternoon = unanswered_alert("acme", 30, afternoon_at, _waiting(35, afternoon_at), min_posts=10)
    assert (morning.id, morning.severity, afternoon.severity) == (afternoon.id, "warning", "critical")

    first = deliver([morning], [channel_level, route_level], state, {}, stream=io.StringIO())
    assert first.channels["route_level"].routed_out == 1 and first.sent == 0
    assert "below route.min_severity critical" in first.channels["route_level"].routed[0]

    out = io.StringIO()
    second = deliver([afternoon], [channel_level, route_level], state, {}, stream=out)
    assert (second.channels["channel_level"].sent, second.channels["route_level"].sent) == (1, 1)
    assert out.getvalue().count("[CRITICAL]") == 2


def test_a_ledger_refusal_from_before_facts_were_kept_is_decided_again(state):
    # What the ledger held for the morning's warning before this fix: a bare reason, frozen for good.
    alert = make_alert(severity="critical")
    old = {"sent_at": datetime.now(UTC).isoformat(), "kind": "spike", "skipped": "severity warning below ..."}
    state.set_state(sent_key("oncall", alert.id), json.dumps(old))
    oncall = ConsoleChannel(type="console", name="oncall", route=RouteRule(min_severity="critical"))
    assert deliver([alert], [oncall], state, {}, stream=io.StringIO()).sent == 1


@pytest.mark.parametrize(
    ("route", "before", "after"),
    [
        # A store timeout while explaining leaves the language mix empty; the next run finds it all Korean.
        (RouteRule(langs=["ko"]), {"lang_mix": {}}, {"lang_mix": {"ko": 40}}),
        (RouteRule(terms=["fire"]), {"top_terms": [], "top_themes": []}, {"top_terms": ["fire", "battery"]}),
    ],
)
def test_a_language_or_term_refusal_stands_only_while_the_alerts_facts_do(state, route, before, after):
    team = ConsoleChannel(type="console", name="team", route=route)
    unexplained = make_alert(severity="critical").model_copy(update=before)
    out = io.StringIO()
    for _ in range(2):  # the same facts: the kept refusal is reported again, nothing is sent
        report = deliver([unexplained], [team], state, {}, stream=out).channels["team"]
        assert (report.sent, report.routed_out) == (0, 1)
    explained = make_alert(severity="critical").model_copy(update=after)
    assert explained.id == unexplained.id
    report = deliver([explained], [team], state, {}, stream=out).channels["team"]
    assert (report.sent, report.routed_out) == (1, 0)
    assert out.getvalue().count("Alert id") == 1


def test_a_severity_refusal_is_not_offered_again_as_pending(state):
    # Not kept in the ledger, yet not re-offered every run for a day only to be refused again.
    oncall = ConsoleChannel(type="console", name="oncall", route=RouteRule(min_severity="critical"))
    alert = make_alert(severity="warning")
    deliver([alert], [oncall], state, {}, stream=io.StringIO())
    assert state.get_state(sent_key("oncall", alert.id)) is None
    assert with_pending([], [alert], [oncall], state, now=alert.window_end) == []
    critical = make_alert(severity="critical")
    assert with_pending([], [critical], [oncall], state, now=critical.window_end) == [critical]
