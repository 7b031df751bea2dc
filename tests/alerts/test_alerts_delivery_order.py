"""Each channel gets alerts in the order they were decided, whatever their brand or incident, an incident's opener
before its follow-ups. (Before, every opener went first, then every follow-up: a new incident of the 13th reached
the manager before the 11th's escalation and all-clear, and one brand's alerts before another's older ones.)
Real SQLite ledger, real channels: a JSON Lines file and a webhook on a local HTTP server."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from conftest import make_alert

from alerts.config import JsonlChannel, WebhookChannel
from alerts.deliver import deliver, with_pending
from core.alert import Alert


def _alert(brand: str, hour: int, kind: str = "spike", decided: int | None = None, opener: Alert | None = None,
           severity: str = "critical") -> Alert:
    """An alert of `brand` on the `hour` bucket, decided at `decided` (default: the bucket's end), opening its own
    incident or following up `opener`'s."""
    alert = make_alert(brand=brand, hour=hour, kind=kind, severity=severity)
    decided_at = alert.window_start.replace(hour=decided if decided is not None else hour + 1)
    return alert.model_copy(update={"decided_at": decided_at, "incident_id": (opener or alert).id})


def _timeline() -> list[Alert]:
    """What one run offers, in decision order: Other's spike (decided 10:00), Acme's crisis opened at 11:00,
    escalated at 13:00 and over at 16:00, then a new Acme incident at 21:00."""
    other = _alert("Other", 9)
    opener = _alert("Acme", 10)
    escalation = _alert("Acme", 12, opener=opener)
    clear = _alert("Acme", 10, kind="all_clear", decided=16, opener=opener, severity="info")
    new = _alert("Acme", 20, kind="influencer")
    return [other, opener, escalation, clear, new]


def test_each_channel_gets_alerts_in_the_order_they_were_decided(state, tmp_path, http_server):
    timeline = _timeline()
    offered = [timeline[i] for i in (4, 3, 2, 1, 0)]  # as detection hands them over: any order
    path = tmp_path / "sent.jsonl"
    channels = [
        JsonlChannel(type="jsonl", path=str(path), followups="all"),
        WebhookChannel(type="webhook", url_env="HOOK", followups="all"),
    ]

    now = datetime.fromisoformat("2026-03-18T21:05:00+00:00")
    # As `pipeline.notify` hands them over: through `with_pending`, nothing stored pending.
    report = deliver(with_pending(offered, [], channels, state, now), channels, state,
                     {"HOOK": f"{http_server.url}/hook"})

    assert report.sent == 2 * len(timeline)
    expected = [a.id for a in timeline]
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == expected
    assert [r["json"]["alert"]["id"] for r in http_server.on("/hook")] == expected


def test_an_opener_decided_after_a_follow_up_still_goes_first(state, tmp_path):
    """An incident keeps its stored id when a late alert (an influencer post collected hours later) now sorts before
    its opener (`alerts.incidents.assign_incidents`): the opener still goes first, then the rest (in decision order
    through `with_pending`, as `pipeline.notify` offers them)."""
    opener = _alert("Acme", 12)
    late = _alert("Acme", 10, kind="influencer", opener=opener)  # decided 11:00, before its incident's opener
    later = _alert("Acme", 14, opener=opener)
    path = tmp_path / "sent.jsonl"

    channels = [JsonlChannel(type="jsonl", path=str(path), followups="all")]
    deliver([later, late, opener], channels, state)  # straight to `deliver`: the order given, the opener hoisted
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == [opener.id, later.id, late.id]
    path.unlink()
    state.delete_state(state.state_items("alert_sent:"))
    now = datetime.fromisoformat("2026-03-18T21:05:00+00:00")
    deliver(with_pending([later, late, opener], [], channels, state, now), channels, state)

    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == [opener.id, late.id, later.id]


def test_pending_alerts_and_fresh_ones_are_offered_in_decision_order(state, tmp_path):
    """What a down channel missed (`with_pending`) interleaves with the fresh alerts by decision time."""
    timeline = _timeline()
    channel = JsonlChannel(type="jsonl", path=str(tmp_path / "sent.jsonl"), followups="all")
    now = datetime.fromisoformat("2026-03-18T21:05:00+00:00")
    fresh, stored = [timeline[0], timeline[4]], timeline[1:4]

    offered = with_pending(fresh, stored, [channel], state, now)

    assert [a.id for a in offered] == [a.id for a in timeline]
    assert now - timedelta(hours=24) < min(a.decided_at for a in offered if a.decided_at)
