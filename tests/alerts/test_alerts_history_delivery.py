"""A first import must not flood the channels with last month's alerts: delivery offers only alerts decided within
PENDING_WITHIN of the run's clock (`alerts.deliver.offered_since`), whatever the mode. A `--history` run's clock is
the wall clock; a run given a `now` (a scheduled run, a replay of a past stream) is at that `now`.
Real detection on the real embedded store, the real CLI, real channels (a JSON Lines file, a local HTTP receiver)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner
from conftest import make_alert
from test_alerts_detect_store import CRISIS_AT, START, corpus

from alerts.config import JsonlChannel, WebhookChannel
from alerts.deliver import PENDING_WITHIN, TOO_OLD, DeliveryLedger, deliver
from alerts.history import stored_alerts
from core.alert import decided_at
from groundswell import pipeline
from groundswell.cli import cli
from groundswell.config import load_config
from indexing.sqlite import SqliteStore

CRISIS = START + timedelta(hours=CRISIS_AT)


def _folder(tmp_path: Path, crisis_ago: timedelta | None) -> Path:
    """A config whose one channel writes `tmp_path/sent.jsonl`, over a store holding the test corpus (16 days, a
    crisis on day 14) moved so that its crisis began `crisis_ago` before the hour now (None: left in March 2026)."""
    config = write_config(tmp_path, channels=[{"type": "jsonl", "path": str(tmp_path / "sent.jsonl")}])
    shift = timedelta(0)
    if crisis_ago is not None:
        shift = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - crisis_ago - CRISIS
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert all(r.ok for r in store.upsert([m.model_copy(update={"created_at": m.created_at + shift})
                                                for m in corpus()]))
    finally:
        store.close()
    return config


def _sent(tmp_path: Path) -> list[str]:
    path = tmp_path / "sent.jsonl"
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _stored(tmp_path: Path) -> list:
    store = SqliteStore(tmp_path / "g.db")
    try:
        return stored_alerts(store)
    finally:
        store.close()


def test_a_history_run_over_last_month_sends_nothing(tmp_path):
    # `detect --history` (which sends by default) delivered every alert of the imported month to every channel.
    config = _folder(tmp_path, crisis_ago=timedelta(days=30))
    result = CliRunner().invoke(cli, ["detect", "--history", "-c", str(config)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    found = summary["alerts"]
    assert {a["kind"] for a in found} >= {"spike", "influencer", "all_clear"}
    assert _sent(tmp_path) == []
    assert summary["delivery"]["too_old"] == len(found) and summary["delivery"]["sent"] == 0
    assert f"{len(found)} alert(s) {TOO_OLD}" in result.stderr
    assert {a.id for a in _stored(tmp_path)} == {a["id"] for a in found}  # stored and shown, not sent


@pytest.mark.parametrize("command", [["detect", "--history"], ["run", "--history", "--no-progress", "--no-report"]])
def test_a_history_run_sends_what_was_decided_in_the_last_day_only(tmp_path, command):
    config = _folder(tmp_path, crisis_ago=timedelta(hours=3))
    result = CliRunner().invoke(cli, [*command, "-c", str(config)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    stored = _stored(tmp_path)
    since = datetime.now(UTC) - PENDING_WITHIN
    recent = {a.id for a in stored if decided_at(a) >= since}
    assert recent and len(recent) < len(stored)  # the crisis of 3 h ago, and the older noise of the fortnight
    assert sorted(_sent(tmp_path)) == sorted(recent)  # each once
    too_old = summary["alerts_too_old"] if command[0] == "run" else summary["delivery"]["too_old"]
    assert too_old == len(stored) - len(recent)
    assert f"{too_old} alert(s) {TOO_OLD}" in result.stderr


def test_run_no_send_stores_the_alerts_and_sends_nothing(tmp_path):
    config = _folder(tmp_path, crisis_ago=timedelta(hours=3))
    result = CliRunner().invoke(cli, ["run", "--history", "--no-send", "--no-progress", "--no-report",
                                      "-c", str(config)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["alerts_send"] is False and summary["alerts_sent"] == summary["alerts_too_old"] == 0
    assert summary["alerts_fired"] > 0 and _stored(tmp_path)
    assert _sent(tmp_path) == []
    # The next run that sends offers what no channel took of the last day (`with_pending`): the crisis, once; not
    # what was decided after its clock (the corpus runs on past now: its all-clear is decided hours ahead).
    now = datetime.now(UTC)
    later = CliRunner().invoke(cli, ["detect", "-c", str(config)])
    assert later.exit_code == 0, later.output
    since = datetime.now(UTC) - PENDING_WITHIN
    assert sorted(_sent(tmp_path)) == sorted(a.id for a in _stored(tmp_path) if since <= decided_at(a) <= now)


def test_a_run_at_a_past_now_sends_its_fresh_alerts(tmp_path):
    """A scheduled run's `now` is its clock (tools/alerts/scheduled_replay.py replays a 2015 stream hour by hour):
    measured against the wall clock, every alert of such a replay would be months old and never sent."""
    config = load_config(_folder(tmp_path, crisis_ago=None))
    now = CRISIS + timedelta(hours=1, minutes=5)
    store = SqliteStore(tmp_path / "g.db")
    try:
        found = pipeline.detect(config, store, now=now)
        assert "spike" in {a.kind for a in found}
        report = pipeline.notify(config, store, list(found), now=now)
    finally:
        store.close()
    assert report.too_old == 0 and report.sent == len(found)
    assert sorted(_sent(tmp_path)) == sorted(a.id for a in found)


def test_deliver_holds_back_what_was_decided_before_since(state, tmp_path):
    old, fresh = make_alert(hour=9), make_alert(hour=15)
    channels = [JsonlChannel(type="jsonl", path=str(tmp_path / "sent.jsonl"))]
    report = deliver([old, fresh], channels, state, since=old.window_end + timedelta(minutes=1))
    assert (report.sent, report.too_old) == (1, 1)
    assert _sent(tmp_path) == [fresh.id]
    assert not DeliveryLedger(state).was_sent(channels[0].key, old)  # not recorded: nothing pretends it went
    assert deliver([old, fresh], channels, state).sent == 1  # no `since` (the demo): every alert, each once
    assert sorted(_sent(tmp_path)) == sorted([fresh.id, old.id])


def test_a_fresh_update_of_an_incident_whose_opener_is_too_old_goes_after_its_opener(state, http_server):
    """A channel that never heard of an incident is told of it by its opener, however old, sent first with the
    fresh update (`deliver`): the update alone (sent in full, as a new message) told of a crisis by its sequel, and
    an all-clear alone of a spike never sent. The opener is in full; the minor update, for a channel that now heard
    of its incident, is folded (followups: major)."""
    opener = make_alert(hour=9)
    update = make_alert(hour=15, kind="keyword").model_copy(update={"incident_id": opener.id, "subject": "bricked"})
    opener = opener.model_copy(update={"incident_id": opener.id})
    channels = [WebhookChannel(type="webhook", url_env="HOOK", backoff_s=0)]  # followups: major (the default)
    env = {"HOOK": f"{http_server.url}/hook"}
    report = deliver([update, opener], channels, state, env, since=opener.window_end + timedelta(minutes=1))
    assert (report.sent, report.folded, report.too_old) == (1, 1, 0)
    posts = http_server.on("/hook")
    assert [p["json"]["alert"]["id"] for p in posts] == [opener.id]
    assert DeliveryLedger(state).thread(channels[0].key, update) == opener.id  # its incident's thread
    # Alone (no follow-up of it offered), the old opener stays held back.
    fresh_channel = [WebhookChannel(type="webhook", name="new", url_env="HOOK")]
    assert deliver([opener], fresh_channel, state, env, since=opener.window_end + timedelta(minutes=1)).too_old == 1
