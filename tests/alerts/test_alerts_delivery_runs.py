"""One delivery run: no channel waits on another's retries (each has a thread of its own), each one's waiting is
capped, an incident's opener still reaches each channel before its updates, and a ledger that fails to record a
sent alert stops that channel for the run (a failure), the others going on.
Real HTTP server on 127.0.0.1, real SQLite ledger, real JSONL files."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from conftest import RecordingServer, make_alert
from store_faults import refuse_state_writes

from alerts.config import JsonlChannel, WebhookChannel
from alerts.deliver import MAX_RUN_WAIT_S, DeliveryLedger, deliver, sent_key, with_pending
from core.alert import Alert

BUSY = {"status": 503, "headers": {"Retry-After": "60"}}


def _hook(name: str, **kw) -> WebhookChannel:
    return WebhookChannel(type="webhook", name=name, url_env=name.upper(), **kw)


class _Waits:
    """The run's sleep, not slept: each wait, with how many requests the server had seen when it began, by the
    channel that waited (each channel is served on a thread of its own, named after it: `alerts.deliver._serve`)."""

    def __init__(self, server: RecordingServer) -> None:
        self.server = server
        self.log: list[tuple[float, int]] = []
        self.by_channel: dict[str, list[float]] = {}

    def __call__(self, seconds: float) -> None:
        self.log.append((seconds, len(self.server.requests)))
        self.by_channel.setdefault(threading.current_thread().name.removeprefix("deliver:"), []).append(seconds)


def test_a_channel_waiting_on_retry_after_holds_no_other_channel_back(http_server, state):
    http_server.plan["/slack"] = [BUSY] * 10
    http_server.plan["/teams"] = [BUSY] * 10
    env = {name.upper(): f"{http_server.url}/{name}" for name in ("slack", "teams", "pager")}
    channels = [_hook("slack"), _hook("teams"), _hook("pager")]  # retries: 3 each (the default)
    waits = _Waits(http_server)

    report = deliver([make_alert(severity="critical")], channels, state, env, sleep=waits)

    assert report.channels["pager"].sent == 1
    assert "pager" not in waits.by_channel  # not after 3 x 60 s of someone else's retries
    # Both busy receivers waited out side by side, each within the run's cap: not 2 x 3 x 60 s one after another.
    assert waits.by_channel == {"slack": [60, 60], "teams": [60, 60]}
    assert all(sum(w) <= MAX_RUN_WAIT_S for w in waits.by_channel.values())
    assert len(http_server.on("/slack")) == len(http_server.on("/teams")) == 3
    assert all("next run" in report.channels[c].errors[0] for c in ("slack", "teams"))
    assert report.failed == 2 and not DeliveryLedger(state).was_sent("slack", make_alert(severity="critical"))


def _incident() -> list[Alert]:
    opener, update = make_alert(hour=15), make_alert(hour=18, severity="critical")
    opener.incident_id = update.incident_id = opener.id
    return [update, opener]  # in any order


def test_an_opener_waiting_for_its_retry_still_goes_before_its_update(http_server, state):
    http_server.plan["/slack"] = [{"status": 503, "headers": {"Retry-After": "5"}}]
    env = {"SLACK": http_server.url + "/slack", "PAGER": http_server.url + "/pager"}
    waits = _Waits(http_server)
    opener = _incident()[1]

    report = deliver(_incident(), [_hook("slack"), _hook("pager")], state, env, sleep=waits)

    assert report.sent == 4 and waits.by_channel == {"slack": [5]}  # the pager waited for no one
    assert [r["json"]["alert"]["id"] for r in http_server.on("/pager")] == [opener.id, _incident()[0].id]
    slack = [(r["status"], r["json"]["alert"]["id"], r["json"]["text"]) for r in http_server.on("/slack")]
    assert [(status, alert_id) for status, alert_id, _ in slack] == [
        (503, opener.id),
        (200, opener.id),
        (200, _incident()[0].id),
    ]
    assert "Update ·" in slack[2][2]


def _refuse_ledger_writes(state, like: str) -> None:
    refuse_state_writes(state._conn(), like)


def test_a_failing_ledger_write_after_acceptance_stops_that_channel_for_the_run(state, tmp_path, caplog):
    alerts = [make_alert(hour=15), make_alert(hour=18, severity="critical")]
    _refuse_ledger_writes(state, sent_key("first", alerts[0].id))
    paths = {name: tmp_path / f"{name}.jsonl" for name in ("first", "pager")}
    channels = [JsonlChannel(type="jsonl", name=name, path=str(path)) for name, path in paths.items()]

    report = deliver(alerts, channels, state, {})

    def got(name: str) -> list[str]:
        return [json.loads(line)["id"] for line in paths[name].read_text().splitlines()]

    # The other channel goes on; this one stops after the alert it could not record (a failure, for the next run).
    assert got("pager") == [a.id for a in alerts] and got("first") == [alerts[0].id]
    first = report.channels["first"]
    assert (first.sent, first.unrecorded, first.failed, report.unrecorded, report.failed) == (1, 1, 1, 1, 1)
    assert first.errors == [
        f"{alerts[0].id}: sent, not recorded (IntegrityError: database is locked): the next run may send it again; "
        "the channel's later alerts wait for the next run"
    ]
    assert "could not record alert" in caplog.text
    state._conn().execute("DROP TRIGGER refuse")
    again = deliver(alerts, channels, state, {})  # at-least-once: the unrecorded one goes again
    assert (again.sent, again.already_sent, again.failed) == (2, 2, 0)
    assert got("first") == [alerts[0].id, alerts[0].id, alerts[1].id]


def test_a_store_refusing_every_ledger_write_does_not_resend_the_day_every_run(state, tmp_path):
    # A read-only ledger: each run re-sent every alert of the last 24 h to the channel, and reported success.
    stored = [make_alert(hour=9, kind="influencer"), make_alert(hour=12, kind="keyword"), make_alert(hour=15)]
    for alert in stored:
        alert.incident_id = alert.id
    _refuse_ledger_writes(state, "alert_sent:%")
    path = tmp_path / "team.jsonl"
    channel = JsonlChannel(type="jsonl", name="team", path=str(path))

    for run in range(3):  # three scheduled runs, five minutes apart; detection reports nothing new
        offered = with_pending([], stored, [channel], state, stored[-1].window_end + timedelta(minutes=5 * run))
        report = deliver(offered, [channel], state, {})
        assert (report.sent, report.unrecorded, report.failed) == (1, 1, 2)  # a failed run, every time

    assert len(path.read_text().splitlines()) == 3  # one per run (at-least-once), not the whole day's three


def test_a_refusal_the_ledger_could_not_record_stops_that_channel_too(state, tmp_path):
    # The store refusing writes: what the channel is sent after it could not be recorded either.
    other, acme = make_alert(brand="Other", hour=9), make_alert(hour=15)
    _refuse_ledger_writes(state, "alert_sent:%")
    path = tmp_path / "acme.jsonl"
    channel = JsonlChannel(type="jsonl", name="acme", path=str(path), route={"brands": ["Acme"]})

    report = deliver([other, acme], [channel], state, {}).channels["acme"]

    assert (report.routed_out, report.sent, report.failed) == (1, 0, 1) and not path.exists()
    assert report.errors[0].startswith(f"{other.id}: routed away, not recorded (IntegrityError: database is locked)")
