"""People's verdicts change delivery (alerts/verdict_filter.py, passed in by `groundswell.pipeline.notify`): a false
alarm stops the rest of its incident, an incident taken on (`ack`) stops its "still growing" updates unless they are
worse than when it was taken on, and its all-clear still goes. What is held back is counted and kept in the ledger;
an undo restores delivery for later alerts. Before, `groundswell alerts verdict ... false_alarm` changed nothing:
the next hourly run sent "Update · Negative spike still growing" to every channel.
Real embedded store, real pipeline step, a real JSON Lines channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli_config import write_config
from conftest import make_alert

from alerts.history import save_alerts, stored_alerts
from core.alert import Alert
from groundswell import pipeline
from groundswell.alert_verdicts import set_verdict, undo_verdict
from groundswell.config import load_config
from indexing.sqlite import SqliteStore

NOW = datetime(2026, 3, 18, 20, tzinfo=UTC)  # the run's clock: every alert below was decided within its day


def _alert(hour: int, severity: str, opener: Alert | None = None, kind: str = "spike", subject: str | None = None):
    alert = make_alert(hour=hour, severity=severity, kind=kind)
    if subject:
        alert = Alert(**{**alert.model_dump(exclude={"id"}), "subject": subject})
    return alert.model_copy(update={"incident_id": opener.id if opener else alert.id})


def _setup(tmp_path: Path):
    out = tmp_path / "sent.jsonl"
    config = load_config(write_config(tmp_path, channels=[{"type": "jsonl", "name": "team", "path": str(out)}]))
    return config, SqliteStore(tmp_path / "g.db"), out


def _run(config, store, alerts: list[Alert]):
    save_alerts(store, alerts)  # as `pipeline.detect` does before notify
    return pipeline.notify(config, store, alerts, now=NOW)


def _sent(out: Path) -> list[str]:
    return [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []


def test_a_false_alarm_stops_its_updates_and_all_clear_until_undone(tmp_path):
    config, store, out = _setup(tmp_path)
    opener = _alert(10, "warning")
    assert _run(config, store, [opener]).sent == 1
    set_verdict(store, stored_alerts(store), opener.id, "false_alarm", by="manager", now=NOW - timedelta(hours=9))
    growing = _alert(11, "critical", opener, subject="escalation 2.1x")
    clear = _alert(14, "info", opener, kind="all_clear")
    report = _run(config, store, [growing, clear])
    assert _sent(out) == [opener.id]  # neither the critical "still growing" nor the all-clear
    assert report.suppressed_by_verdict == 2 and report.sent == 0 and report.failed == 0
    team = report.channels["team"]
    assert {line.split(":")[0] for line in team.held} == {growing.id, clear.id}
    assert all("false alarm" in line for line in team.held)
    # Reported, not lost: a re-run reports the same, sends nothing.
    assert _run(config, store, [growing, clear]).suppressed_by_verdict == 2 and _sent(out) == [opener.id]
    # The undo restores delivery for later alerts; what the verdict held back stays held back (old news).
    undo_verdict(store, stored_alerts(store), opener.id, by="manager", now=NOW - timedelta(hours=5))
    later = _alert(16, "critical", opener, subject="escalation 3.0x")
    report = _run(config, store, [growing, clear, later])
    assert _sent(out) == [opener.id, later.id]
    assert report.suppressed_by_verdict == 2
    store.close()


def test_an_incident_taken_on_stops_still_growing_unless_worse_and_still_gets_its_all_clear(tmp_path):
    config, store, out = _setup(tmp_path)
    opener = _alert(10, "warning")
    _run(config, store, [opener])
    set_verdict(store, stored_alerts(store), opener.id, "ack", by="oncall", now=NOW - timedelta(hours=9))
    growing = _alert(11, "warning", opener, subject="escalation 2.1x")  # no worse than when taken on
    worse = _alert(12, "critical", opener, subject="escalation 4.0x")  # severity rose: it still goes
    clear = _alert(14, "info", opener, kind="all_clear")  # the person on it wants to know
    report = _run(config, store, [growing, worse, clear])
    assert _sent(out) == [opener.id, worse.id, clear.id]
    assert report.suppressed_by_verdict == 1
    assert "taken on (ack) at warning" in report.channels["team"].held[0]
    store.close()


def test_taken_on_while_critical_holds_critical_updates(tmp_path):
    # The review's case: the incident was critical already, so its critical "still growing" is no news.
    config, store, out = _setup(tmp_path)
    opener = _alert(10, "critical")
    _run(config, store, [opener])
    set_verdict(store, stored_alerts(store), opener.id, "ack", by="oncall", now=NOW - timedelta(hours=9))
    growing = _alert(12, "critical", opener, subject="escalation 2.1x")
    assert _run(config, store, [growing]).suppressed_by_verdict == 1
    assert _sent(out) == [opener.id]
    store.close()


def test_an_opener_a_false_alarm_held_makes_a_later_alert_a_new_message_not_an_update(tmp_path, capsys):
    # A verdict can hold an incident's opener (a false alarm called before it went) while a later alert passes (the
    # verdict undone). The channel never got the opener, so that alert is the first it hears: a new message, never
    # an "Update" of a message it does not have.
    config = load_config(write_config(tmp_path, channels=[{"type": "console", "name": "team"}]))
    store = SqliteStore(tmp_path / "g.db")
    opener = _alert(10, "warning")
    save_alerts(store, [opener])
    set_verdict(store, stored_alerts(store), opener.id, "false_alarm", by="manager", now=NOW - timedelta(hours=9))
    assert _run(config, store, [opener]).suppressed_by_verdict == 1
    undo_verdict(store, stored_alerts(store), opener.id, by="manager", now=NOW - timedelta(hours=8))
    capsys.readouterr()
    later = _alert(12, "critical", opener, subject="escalation 3.0x")
    report = _run(config, store, [later])
    printed = capsys.readouterr().out
    assert report.sent == 1  # the later alert alone: the opener stays held, as before the undo
    assert printed.strip() and "Update" not in printed, printed
    store.close()


def test_quiet_hours_and_a_verdict_together_send_the_held_opener_before_the_escalation(tmp_path):
    # Taken on at warning: its warning "still growing" is held by the verdict, its critical goes. Quiet hours held
    # the opener (a warning, at night): it goes with the critical, first. Before, the critical went alone.
    out = tmp_path / "sent.jsonl"
    quiet = {"start": "00:00", "end": "23:59", "timezone": "UTC", "min_severity": "critical"}
    channel = {"type": "jsonl", "name": "team", "path": str(out), "quiet_hours": quiet}
    config = load_config(write_config(tmp_path, channels=[channel]))
    store = SqliteStore(tmp_path / "g.db")
    opener = _alert(10, "warning")
    assert _run(config, store, [opener]).held_quiet == 1 and _sent(out) == []
    set_verdict(store, stored_alerts(store), opener.id, "ack", by="oncall", now=NOW - timedelta(hours=9))
    growing = _alert(11, "warning", opener, subject="escalation 2.1x")
    worse = _alert(12, "critical", opener, subject="escalation 4.0x")
    report = _run(config, store, [growing, worse])
    assert _sent(out) == [opener.id, worse.id]
    assert report.suppressed_by_verdict == 1 and report.held_quiet == 0 and report.sent == 2
    store.close()
