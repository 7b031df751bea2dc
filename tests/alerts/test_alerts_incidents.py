"""One crisis, one thread: alerts grouped into incidents, follow-ups threaded or folded per channel."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from conftest import SMTP_PASSWORD, email_channel

from alerts.config import ConsoleChannel, WebhookChannel
from alerts.deliver import deliver
from alerts.incidents import assign_incidents, is_followup
from alerts.render import title
from core.alert import Alert

T0 = datetime(2026, 3, 18, 12, tzinfo=UTC)
GAP = timedelta(hours=12)


@dataclass
class D:
    alert: Alert
    decided_at: datetime


def alert(
    kind: str,
    hour: float,
    *,
    brand: str = "Acme",
    subject: str | None = None,
    episode: str | None = None,
    severity: str = "warning",
) -> D:
    start = T0 + timedelta(hours=hour)
    a = Alert(
        kind=kind,
        brand=brand,
        severity=severity,
        window_start=start,
        window_end=start + timedelta(hours=1),
        observed=9,
        expected=2,
        statistic="test",
        score=5.0,
        subject=subject,
    )
    a.episode_id = episode or (a.id if kind == "spike" and not subject else None)
    return D(a, start + timedelta(hours=1))


def crisis() -> list[D]:
    """A keyword alert, the spike 5 h later, an escalation, an influencer post, the all-clear."""
    keyword = alert("keyword", 0, subject="overheating")
    spike = alert("spike", 5)
    episode = spike.alert.id
    return [
        keyword,
        spike,
        alert("spike", 6, subject="escalation-1", episode=episode, severity="critical"),
        alert("influencer", 7, subject="x:42"),
        alert("all_clear", 20, episode=episode, severity="info"),
    ]


def test_one_crisis_is_one_incident_and_the_next_day_is_another():
    found = crisis() + [alert("keyword", 60, subject="recall"), alert("keyword", 0, brand="Globex", subject="leak")]
    assign_incidents(found, GAP)
    acme = [d.alert for d in found if d.alert.brand == "Acme"]
    first = acme[0].id
    assert [a.incident_id for a in acme[:5]] == [first] * 5
    assert [is_followup(a) for a in acme[:5]] == [False, True, True, True, True]
    # 40 h after the all-clear: a new incident, and another brand never joins Acme's.
    assert acme[5].incident_id == acme[5].id
    assert found[-1].alert.incident_id == found[-1].alert.id


def test_open_spike_episode_keeps_the_incident_open_past_the_gap():
    spike = alert("spike", 0)
    late = alert("influencer", 30, subject="x:7")  # 30 h later, but the episode has not cleared
    clear = alert("all_clear", 40, episode=spike.alert.id, severity="info")
    after = alert("keyword", 41, subject="recall")  # the incident closed with the all-clear
    found = [after, clear, late, spike]  # order does not matter: grouping sorts by decision time
    assign_incidents(found, GAP)
    assert late.alert.incident_id == clear.alert.incident_id == spike.alert.id
    assert after.alert.incident_id == after.alert.id


def test_replaying_gives_the_same_incident_ids():
    first, second = crisis(), crisis()
    assign_incidents(first, GAP)
    assign_incidents(list(reversed(second)), GAP)
    assert [d.alert.incident_id for d in first] == [d.alert.incident_id for d in second]


def test_channels_fold_minor_updates_by_default_and_thread_email(http_server, smtp_server, state):
    found = crisis()
    assign_incidents(found, GAP)
    alerts = [d.alert for d in found]
    env = {"HOOK": http_server.url + "/slack", "PW": SMTP_PASSWORD}
    major = WebhookChannel(type="slack", url_env="HOOK")  # followups: major (the default)
    every = ConsoleChannel(type="console", followups="all")
    quiet = WebhookChannel(type="webhook", name="pager", url_env="HOOK", followups="none")
    email = email_channel(smtp_server)
    out = io.StringIO()
    report = deliver(alerts, [major, every, quiet, email], state, env, stream=out)
    # keyword (opens), spike, escalation, all-clear are major; the warning influencer post is folded.
    assert (report.channels["slack"].sent, report.channels["slack"].folded) == (4, 1)
    assert (report.channels["console"].sent, report.channels["console"].folded) == (5, 0)
    assert (report.channels["pager"].sent, report.channels["pager"].folded) == (1, 4)
    # Slack's posts (blocks), not the pager's (the same URL; the channels are sent to side by side).
    texts = [r["json"]["text"] for r in http_server.on("/slack") if "blocks" in r["json"]]
    assert len(texts) == 4 and "Update" not in texts[0] and all("Update ·" in t for t in texts[1:4])
    assert title(alerts[1]).startswith("🟠 [WARNING] Update · Negative spike")

    mails = smtp_server.recorder.messages
    assert len(mails) == 4
    opener = mails[0][2]["Message-ID"]
    assert mails[0][2]["In-Reply-To"] is None
    assert all(m[2]["In-Reply-To"] == opener for m in mails[1:])
    assert f"update to alert {alerts[0].id}" in mails[1][2].get_payload(decode=True).decode()

    again = deliver(alerts, [major, every, quiet, email], state, env, stream=io.StringIO())
    assert again.sent == 0 and len(http_server.on("/slack")) == 5  # 4 slack + 1 pager, nothing resent
