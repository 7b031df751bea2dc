"""Muting a brand (alerts/mute.py, applied by `alerts.delivery_plan.held_decision` through `alerts.holds.Holds`):
the muted brand's alerts are not sent to the muted channels but are stored and kept in the ledger as held by the
mute, the other brands' alerts go, critical alerts go unless the mute includes them, and ending the mute (an unmute,
or its end time) sends only what is decided after it, never what it held. Before, the only ways to quiet one brand
of fifteen were a verdict per incident or listing the other fourteen in every channel's `route.brands`
(docs/notes: fatigue review, finding 6). Real embedded store, real `pipeline.notify`, real webhooks to a local HTTP
server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_config import write_config

from alerts.deliver import PENDING_WITHIN, sent_key
from alerts.history import save_alerts, stored_alerts
from alerts.mute import KEPT_AFTER, MUTE_PREFIX, MuteError, load_mutes, mute_until, parse_for, prune, set_mute, unmute
from core.alert import Alert
from groundswell import pipeline
from groundswell.config import load_config
from indexing.sqlite import SqliteStore

NOW = datetime(2026, 3, 18, 12, 5, tzinfo=UTC)  # the run's clock (a scheduled run: its `now`)
HOUR = NOW.replace(minute=0)


def _alert(brand: str, hours_ago: int, severity: str = "warning", opener: Alert | None = None, kind: str = "spike",
           subject: str | None = None) -> Alert:
    """A `brand` alert whose bucket ended (was decided) `hours_ago` hours before HOUR."""
    end = HOUR - timedelta(hours=hours_ago)
    alert = Alert(kind=kind, brand=brand, severity=severity, window_start=end - timedelta(hours=1), window_end=end,
                  observed=31, expected=3.2, statistic="negative_binomial", score=11.2, subject=subject,
                  decided_at=end)
    return alert.model_copy(update={"incident_id": opener.id if opener else alert.id})


@pytest.fixture
def setup(tmp_path: Path, http_server, monkeypatch):
    monkeypatch.setenv("GS_MUTE_OPS", http_server.url + "/ops")
    monkeypatch.setenv("GS_MUTE_PR", http_server.url + "/pr")
    channels = [{"type": "webhook", "name": "ops", "url_env": "GS_MUTE_OPS", "backoff_s": 0.01},
                {"type": "webhook", "name": "pr", "url_env": "GS_MUTE_PR", "backoff_s": 0.01}]
    path = write_config(tmp_path, brands=[{"name": "Acme", "query": "acme"}, {"name": "Globex", "query": "globex"}],
                        channels=channels)
    store = SqliteStore(tmp_path / "g.db")
    yield load_config(path), store, http_server
    store.close()


def _run(config, store, alerts: list[Alert], now: datetime = NOW):
    save_alerts(store, alerts)  # as `pipeline.detect` does before notify
    return pipeline.notify(config, store, alerts, now=now)


def _got(server, path: str) -> list[str]:
    return [r["json"]["alert"]["id"] for r in server.on(path)]


def test_a_muted_brand_is_held_on_every_channel_while_the_others_and_its_critical_alerts_go(setup):
    config, store, server = setup
    set_mute(store, "Acme", until=NOW + timedelta(hours=6), by="ana", now=NOW - timedelta(minutes=30), note="noisy")
    noisy, other, crisis = _alert("Acme", 1), _alert("Globex", 1), _alert("Acme", 2, "critical")

    report = _run(config, store, [noisy, other, crisis])

    for path in ("/ops", "/pr"):
        assert sorted(_got(server, path)) == sorted([other.id, crisis.id])  # a mute is for noise, not for crises
    assert report.sent == 4 and report.routed_out == 2 and report.failed == 0
    held = report.channels["ops"].routed
    assert held == [f"{noisy.id}: muted until 2026-03-18 18:05 UTC by ana: noisy"]
    # Recorded in the ledger as held by the mute (so it stands after the mute ends), and still stored and shown.
    entry = json.loads(store.get_state(sent_key("ops", noisy.id)))
    assert entry["skipped"].startswith("muted until") and entry["facts"] == "mute=warning"
    assert noisy.id in {a.id for a in stored_alerts(store)}
    # A re-run reports the same hold and sends nothing again.
    again = _run(config, store, [noisy, other, crisis])
    assert again.sent == 0 and again.routed_out == 2 and len(server.requests) == 4


def test_unmuting_sends_only_what_is_decided_after_it_never_what_the_mute_held(setup):
    config, store, server = setup
    set_mute(store, "Acme", until=NOW + timedelta(hours=6), by="ana", now=NOW - timedelta(hours=3))
    opener = _alert("Acme", 2)
    update = _alert("Acme", 1, opener=opener, subject="escalation 2.1x")
    assert _run(config, store, [opener, update]).routed_out == 4 and server.requests == []

    ended = unmute(store, "Acme", by="bo", now=NOW + timedelta(minutes=10))
    assert [m.ended_by for m in ended] == ["bo"]
    # The next run, an hour later: the crisis went on. Its new update goes, as a new message (the channel never
    # heard of the incident); the opener and the update the mute held stay held: not even offered again.
    later = NOW + timedelta(hours=1)
    growing = _alert("Acme", -1, opener=opener, subject="escalation 3.0x")
    report = _run(config, store, [growing], now=later)

    assert _got(server, "/ops") == _got(server, "/pr") == [growing.id]
    assert "Update ·" not in server.on("/ops")[0]["json"]["text"]
    assert (report.sent, report.routed_out, report.failed) == (2, 0, 0)
    for held in (opener, update):  # the ledger still says why they never went
        assert json.loads(store.get_state(sent_key("pr", held.id)))["skipped"].startswith("muted until")


def test_what_was_decided_during_a_mute_that_no_run_offered_stays_held_after_it_expires(setup):
    config, store, server = setup
    # A two-hour mute, and no delivery run while it was in force (the DAG was paused, or the mute was short).
    set_mute(store, "Acme", until=NOW - timedelta(hours=1), by="ana", now=NOW - timedelta(hours=3))
    during = _alert("Acme", 2)  # decided at 10:00, inside the mute
    after = _alert("Acme", 0)  # decided at 12:00, after it expired by itself

    report = _run(config, store, [during, after])

    assert _got(server, "/ops") == _got(server, "/pr") == [after.id]
    assert report.routed_out == 2


def test_a_channel_mute_holds_only_that_channel_and_include_critical_holds_crises_too(setup):
    config, store, server = setup
    set_mute(store, "Acme", until=NOW + timedelta(hours=2), channels=["pr"], by="ana", now=NOW - timedelta(hours=1),
             include_critical=True)
    warning, crisis = _alert("Acme", 0), _alert("Acme", 1, "critical")

    _run(config, store, [warning, crisis])

    assert sorted(_got(server, "/ops")) == sorted([warning.id, crisis.id])
    assert _got(server, "/pr") == []
    assert json.loads(store.get_state(sent_key("pr", crisis.id)))["facts"] == "mute=critical"


def test_a_held_warning_that_turns_critical_goes_through_a_mute_without_include_critical(setup):
    config, store, server = setup
    set_mute(store, "Acme", until=NOW + timedelta(hours=6), by="ana", now=NOW - timedelta(hours=2))
    warning = _alert("Acme", 1, kind="influencer", subject="x:1")
    assert _run(config, store, [warning]).routed_out == 2
    worse = warning.model_copy(update={"severity": "critical"})  # the same alert id, grown
    assert worse.id == warning.id

    report = _run(config, store, [worse])

    assert _got(server, "/ops") == _got(server, "/pr") == [warning.id]
    assert report.sent == 2


def test_a_mute_in_force_on_the_wall_clock_holds_a_rerun_of_an_old_interval(setup):
    config, store, server = setup
    wall = datetime.now(UTC)
    set_mute(store, "Acme", until=wall + timedelta(hours=1), by="ana", now=wall - timedelta(minutes=5))
    old_run = wall - timedelta(days=2)  # an Airflow re-run: its clock is its data interval's end
    alert = Alert(kind="spike", brand="Acme", severity="warning", window_start=old_run - timedelta(hours=2),
                  window_end=old_run - timedelta(hours=1), observed=9, expected=1.0, statistic="negative_binomial",
                  score=5.0, decided_at=old_run - timedelta(hours=1))

    report = _run(config, store, [alert], now=old_run)

    assert server.requests == [] and report.routed_out == 2


def test_a_mute_ends_by_itself_and_is_pruned_a_day_later(setup):
    config, store, server = setup
    set_mute(store, "Acme", until=NOW + timedelta(hours=1), by="ana", now=NOW - timedelta(hours=1))
    later = NOW + timedelta(hours=2)
    fresh = _alert("Acme", -2)  # decided at 14:00, after the mute's 13:05 end

    assert _run(config, store, [fresh], now=later).sent == 2
    assert len(load_mutes(store)) == 1  # ended, kept: what it held stays held while delivery may offer it
    assert prune(store, NOW + timedelta(hours=1) + KEPT_AFTER - timedelta(minutes=1)) == 0
    assert prune(store, NOW + timedelta(hours=1) + KEPT_AFTER + timedelta(minutes=1)) == 1
    assert store.state_items(MUTE_PREFIX) == {}
    assert KEPT_AFTER >= PENDING_WITHIN  # kept as long as delivery offers an alert again


def test_unmuting_one_channel_of_a_mute_of_every_channel_keeps_the_others_muted(setup):
    config, store, server = setup
    set_mute(store, "Acme", until=NOW + timedelta(hours=6), by="ana", now=NOW - timedelta(hours=2))
    unmute(store, "Acme", channels=["ops"], every_channel=["ops", "pr"], by="bo", now=NOW - timedelta(hours=1))
    fresh = _alert("Acme", 0)  # decided after ops was unmuted, while pr is still muted

    _run(config, store, [fresh])

    assert _got(server, "/ops") == [fresh.id] and _got(server, "/pr") == []
    in_force = [m for m in load_mutes(store) if m.in_force(NOW)]
    assert [(m.channel, m.until) for m in in_force] == [("pr", NOW + timedelta(hours=6))]


def test_setting_a_mute_again_changes_it_and_lengths_are_checked():
    assert parse_for("6h") == timedelta(hours=6) and parse_for("1d12h") == timedelta(hours=36)
    assert parse_for("90m") == timedelta(minutes=90) and parse_for("1w") == timedelta(days=7)
    for bad in ("6", "six hours", "6h and more", ""):
        with pytest.raises(MuteError):
            parse_for(bad)
    with pytest.raises(MuteError, match="not after now"):
        mute_until(NOW, NOW - timedelta(hours=1), None)
    with pytest.raises(MuteError, match="route.exclude_brands"):
        mute_until(NOW, None, timedelta(days=31))
    store = SqliteStore(":memory:")
    first = set_mute(store, "Acme", until=NOW + timedelta(hours=1), by="ana", now=NOW)
    second = set_mute(store, "Acme", until=NOW + timedelta(hours=5), by="bo", now=NOW + timedelta(minutes=30))
    assert [m.key for m in first] == [m.key for m in second]  # the same mute, changed; it began when it began
    assert [(m.since, m.until, m.by) for m in load_mutes(store)] == [(NOW, NOW + timedelta(hours=5), "bo")]
    store.set_state(MUTE_PREFIX + "broken", "{not json")
    assert len(load_mutes(store)) == 1 and prune(store, NOW + timedelta(days=30)) == 1  # unreadable: kept
    assert list(store.state_items(MUTE_PREFIX)) == [MUTE_PREFIX + "broken"]
    store.close()
