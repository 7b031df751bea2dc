"""Ledger entries written before today's delivery changes, read by the new code: a refusal kept without its facts,
and an incident mark whose "via" names the last alert sent. Real SQLite ledger, real console channels, a real
SMTP server (aiosmtpd) for threading."""

from __future__ import annotations

import io
import json

import pytest
from conftest import SMTP_PASSWORD, email_channel, make_alert

from alerts.config import ConsoleChannel
from alerts.deliver import INCIDENT_MARK, deliver, sent_key, with_pending
from alerts.routing import RouteRule
from core.alert import Alert

OLD_SENT_AT = "2026-03-18T16:00:00+00:00"


def _old_refusal(state, channel: str, alert: Alert, reason: str) -> None:
    """A refusal as the previous release kept it: the reason, no facts."""
    entry = {"sent_at": OLD_SENT_AT, "kind": alert.kind, "skipped": reason}
    state.set_state(sent_key(channel, alert.id), json.dumps(entry))


@pytest.mark.parametrize(
    ("widened", "reason"),
    [
        (RouteRule(brands=["Other", "Acme"]), "brand Acme not in route.brands"),
        (RouteRule(kinds=["keyword", "spike"]), "kind spike not in route.kinds"),
    ],
)
def test_an_old_brand_or_kind_refusal_stands_when_the_route_is_widened(state, widened, reason):
    # Re-decided since facts were kept: the widened route got the last day's alerts it had refused, which a brand
    # or kind refusal (both part of the alert id) can never come to deserve.
    alert = make_alert()
    alert.incident_id = alert.id
    _old_refusal(state, "team", alert, reason)
    team = ConsoleChannel(type="console", name="team", route=widened)

    assert with_pending([], [alert], [team], state, alert.window_end) == []
    out = io.StringIO()
    report = deliver([alert], [team], state, {}, stream=out).channels["team"]
    assert (report.sent, report.routed_out, report.routed) == (0, 1, [f"{alert.id}: {reason}"])
    assert out.getvalue() == ""


def test_an_old_language_refusal_is_decided_again(state):
    # Languages come from the explanation, which may have been empty then: such a refusal is routed afresh.
    alert = make_alert(severity="critical")
    _old_refusal(state, "team", alert, "languages (none) not in route.langs")
    team = ConsoleChannel(type="console", name="team", route=RouteRule(langs=["en"]))

    assert with_pending([], [alert], [team], state, alert.window_end) == [alert]
    assert deliver([alert], [team], state, {}, stream=io.StringIO()).sent == 1


def _incident() -> list[Alert]:
    """An incident's opener at 9:00 and two updates (hours 10 and 11)."""
    opener = make_alert(hour=9)
    first, second = make_alert(hour=10, kind="keyword"), make_alert(hour=11, kind="influencer")
    for alert in (opener, first, second):
        alert.incident_id = opener.id
    return [opener, first, second]


def test_an_update_after_the_upgrade_threads_under_the_opener_not_the_last_update(smtp_server, state):
    # The previous release rewrote the mark with each alert sent ("via": the last one); read as the thread, the
    # next update replied to the earlier update instead of the incident's first message.
    opener, first, second = _incident()
    channel = email_channel(smtp_server, followups="all")
    for alert in (opener, first):
        state.set_state(sent_key(channel.key, alert.id), json.dumps({"sent_at": OLD_SENT_AT, "kind": alert.kind}))
    mark = sent_key(channel.key, INCIDENT_MARK + opener.id)
    state.set_state(mark, json.dumps({"sent_at": OLD_SENT_AT, "via": first.id}))

    report = deliver([opener, first, second], [channel], state, {"PW": SMTP_PASSWORD})

    assert (report.sent, report.already_sent) == (1, 2)
    ((_, _, msg),) = smtp_server.recorder.messages
    assert msg["In-Reply-To"] == f"<{opener.id}.{channel.key}@groundswell.alerts>"
    assert f"update to alert {opener.id}" in msg.get_payload()
    assert json.loads(state.get_state(mark))["thread"] == opener.id  # the mark says so from now on
