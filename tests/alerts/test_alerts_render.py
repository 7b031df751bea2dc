"""What a channel's message says: the first alert of an incident a channel takes is a new message, not an
"Update" of one it never got; numbers read as numbers. Real SMTP server (aiosmtpd), real HTTP server."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest
from conftest import SMTP_PASSWORD, email_channel, make_alert

from alerts.config import WebhookChannel
from alerts.deliver import deliver
from alerts.render import as_slack, as_text, facts, number
from core.alert import Alert


def _crisis() -> list[Alert]:
    """A warning opens the incident; two critical escalations follow."""
    opener, first, second = make_alert(hour=15), make_alert(hour=17, severity="critical"), make_alert(hour=19)
    second.severity = "critical"
    for alert in (opener, first, second):
        alert.incident_id = opener.id
    return [opener, first, second]


def test_a_channel_that_missed_the_opener_gets_its_first_alert_as_a_new_message(smtp_server, http_server, state):
    opener, first, second = _crisis()
    managers = email_channel(smtp_server, min_severity="critical")
    hook = WebhookChannel(type="slack", url_env="HOOK", min_severity="critical")
    env = {"PW": SMTP_PASSWORD, "HOOK": http_server.url + "/slack"}

    report = deliver([opener, first, second], [managers, hook], state, env)

    assert (report.sent, report.channels["email"].skipped) == (4, 1)
    (_, _, new), (_, _, update) = smtp_server.recorder.messages
    subjects = [str(make_header(decode_header(m["Subject"]))) for m in (new, update)]
    assert "Update" not in subjects[0] and new["In-Reply-To"] is None and new["References"] is None
    assert "update to alert" not in new.get_payload(decode=True).decode()
    # The next one threads under the first message this mailbox got, not the opener it never did.
    assert new["Message-ID"] == f"<{first.id}.email@groundswell.alerts>"
    assert "Update ·" in subjects[1] and update["In-Reply-To"] == new["Message-ID"]
    assert f"update to alert {first.id}" in update.get_payload(decode=True).decode()
    texts = [r["json"]["text"] for r in http_server.on("/slack")]
    assert "Update" not in texts[0] and "Update ·" in texts[1]


@pytest.mark.parametrize(
    ("value", "text"),
    [(2_345_678, "2,345,678"), (2_345_678.9, "2,345,679"), (31, "31"), (3.2, "3.2"), (11.2346, "11.2"),
     (0.000123, "0.000123"), (1e-9, "< 0.000001"), (120_000.5, "120,000")],
)  # fmt: skip
def test_numbers_read_as_numbers(value, text):
    assert number(value) == text


def test_an_influencer_alert_shows_its_follower_count_without_an_exponent():
    alert = make_alert(kind="influencer").model_copy(update={"observed": 2_345_678, "expected": 120_000.5})
    assert dict(facts(alert))["Reach"] == "2,345,678 followers, over the 120,000 threshold"
    slack_fields = [f["text"] for b in as_slack(alert)["blocks"] for f in b.get("fields", [])]
    assert "e+0" not in as_text(alert) + " ".join(slack_fields)
