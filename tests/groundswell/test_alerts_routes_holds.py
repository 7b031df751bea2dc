"""`groundswell alerts routes` says what delivery does with an alert a verdict or quiet hours hold
(groundswell/alerts_cli.py, through `alerts.deliver.held_decision` and `alerts.holds.Holds`, as delivery does).
Before, an alert a false alarm held read "routed out", one an `ack` would hold read "pending" (gets: true), and one
waiting for the end of quiet hours read "pending". Real embedded store, real delivery (`pipeline.notify`) to a real
JSON Lines channel, the real command; cross-checked against what delivery then counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from alerts.history import save_alerts, stored_alerts
from core.alert import Alert
from groundswell import pipeline
from groundswell.alert_verdicts import set_verdict
from groundswell.cli import cli
from groundswell.config import load_config
from indexing.sqlite import SqliteStore

HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)  # the command reads the wall clock


def _alert(hours_ago: int, severity: str, opener: Alert | None = None, kind: str = "spike",
           subject: str | None = None) -> Alert:
    """An Acme alert decided `hours_ago` hours before this hour (within the day delivery offers)."""
    end = HOUR - timedelta(hours=hours_ago)
    alert = Alert(kind=kind, brand="Acme", severity=severity, window_start=end - timedelta(hours=1), window_end=end,
                  observed=31, expected=3.2, statistic="negative_binomial", score=11.2, subject=subject)
    return alert.model_copy(update={"incident_id": opener.id if opener else alert.id})


def _config(tmp_path: Path, **channel) -> Path:
    path = tmp_path / "g.yaml"
    (tmp_path / "in.jsonl").write_text("", encoding="utf-8")
    path.write_text(json.dumps({
        "brands": [{"name": "Acme", "query": "acme"}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}],
        "store": {"path": str(tmp_path / "g.db")},
        "channels": [{"type": "jsonl", "name": "team", "path": str(tmp_path / "sent.jsonl"), **channel}],
    }), encoding="utf-8")
    return path


def _routes(path: Path) -> dict[str, dict]:
    result = CliRunner().invoke(cli, ["alerts", "routes", "--config", str(path)])
    assert result.exit_code == 0, result.output
    return {line["alert"]: line["channels"]["team"] for line in map(json.loads, result.output.splitlines())}


def test_an_update_a_false_alarm_held_reads_held_by_the_verdict_with_who_gave_it(tmp_path):
    path = _config(tmp_path)
    config, store = load_config(path), SqliteStore(tmp_path / "g.db")
    opener = _alert(5, "warning")
    save_alerts(store, [opener])
    assert pipeline.notify(config, store, [opener]).sent == 1
    set_verdict(store, stored_alerts(store), opener.id, "false_alarm", by="ana", now=datetime.now(UTC),
                note="a parody account")
    growing = _alert(3, "critical", opener, subject="escalation-1")
    save_alerts(store, [growing])
    assert pipeline.notify(config, store, [growing]).suppressed_by_verdict == 1  # kept in the ledger
    store.close()

    got = _routes(path)

    assert got[opener.id] == {"gets": True, "reason": "no route: every alert", "ledger": "sent"}
    line = got[growing.id]
    assert line["ledger"] == "held by verdict" and line["gets"] is False  # was "routed out"
    assert line["reason"] == f"suppressed by verdict: incident {opener.id} was marked a false alarm"
    assert {k: line["verdict"][k] for k in ("verdict", "by", "note")} == {
        "verdict": "false_alarm", "by": "ana", "note": "a parody account"}


def test_an_ack_reads_held_before_delivery_runs_and_agrees_with_what_delivery_then_does(tmp_path):
    path = _config(tmp_path)
    config, store = load_config(path), SqliteStore(tmp_path / "g.db")
    opener = _alert(6, "warning")
    save_alerts(store, [opener])
    assert pipeline.notify(config, store, [opener]).sent == 1
    # Taken on an hour after it opened, at warning: the updates decided after that are judged against it.
    set_verdict(store, stored_alerts(store), opener.id, "ack", by="bo", now=HOUR - timedelta(hours=5))
    still = _alert(4, "warning", opener, subject="escalation-1")  # not news to the person on it
    worse = _alert(3, "critical", opener, subject="escalation-2")  # worse than when taken on: still goes
    clear = _alert(1, "info", opener, kind="all_clear")  # the person on it wants to know it is over
    save_alerts(store, [still, worse, clear])
    store.close()

    got = _routes(path)  # before any run delivered them: what the next run will do

    assert got[still.id]["ledger"] == "held by verdict" and got[still.id]["gets"] is False  # was "pending"
    assert got[still.id]["reason"].startswith(f"suppressed by verdict: incident {opener.id} was taken on (ack)")
    assert got[still.id]["verdict"]["verdict"] == "ack" and got[still.id]["verdict"]["by"] == "bo"
    assert got[worse.id]["ledger"] == got[clear.id]["ledger"] == "pending"
    store = SqliteStore(tmp_path / "g.db")
    report = pipeline.notify(config, store, [still, worse, clear])
    store.close()
    assert [h.split(":")[0] for h in report.channels["team"].held] == [still.id]
    assert report.sent == 2
    after = _routes(path)
    assert after[still.id]["ledger"] == "held by verdict"
    assert after[worse.id]["ledger"] == after[clear.id]["ledger"] == "sent"


def test_an_alert_waiting_for_the_end_of_quiet_hours_reads_held_until_then(tmp_path):
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=1), now + timedelta(hours=2)  # quiet now, on UTC's wall clock
    quiet = {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "timezone": "UTC", "min_severity": "critical"}
    path = _config(tmp_path, quiet_hours=quiet)
    store = SqliteStore(tmp_path / "g.db")
    waiting, urgent = _alert(1, "warning"), _alert(2, "critical")
    save_alerts(store, [waiting, urgent])
    store.close()

    got = _routes(path)

    line = got[waiting.id]
    assert line["ledger"] == "held for quiet hours" and line["gets"] is True  # was "pending"
    assert datetime.fromisoformat(line["until"]) == end.replace(second=0, microsecond=0)
    assert line["held"].startswith(f"quiet hours {quiet['start']}–{quiet['end']} UTC: below critical, waits until")
    assert got[urgent.id]["ledger"] == "pending"  # critical passes quiet hours
    store = SqliteStore(tmp_path / "g.db")
    report = pipeline.notify(load_config(path), store, [waiting, urgent])
    store.close()
    assert (report.held_quiet, report.sent) == (1, 1)  # what the command said


def _delivered(tmp_path: Path) -> list[str]:
    """The ids the JSON Lines channel received, in order."""
    path = tmp_path / "sent.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line)["id"] for line in lines]


def test_an_opener_quiet_hours_hold_reads_pending_when_a_critical_update_of_its_incident_wakes_it(tmp_path):
    """Routes is delivery's own plan (`alerts.deliver.plan`): delivery sends a held opener first with a critical
    update of its incident (`ChannelPlan._wake`). Before, routes judged each alert alone and said the opener was
    "held for quiet hours" while delivery sent it (sent 2, held_quiet 0)."""
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=3), now + timedelta(hours=2)
    quiet = {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "timezone": "UTC", "min_severity": "critical"}
    path = _config(tmp_path, quiet_hours=quiet)
    store = SqliteStore(tmp_path / "g.db")
    opener = _alert(2, "warning")
    worse = _alert(1, "critical", opener, subject="escalation-1")
    lone = _alert(1, "warning")  # an incident of its own: nothing wakes it
    save_alerts(store, [opener, worse, lone])
    store.close()

    got = _routes(path)

    assert got[opener.id]["ledger"] == "pending" and got[opener.id]["gets"] is True  # was "held for quiet hours"
    assert "woken" in got[opener.id]
    assert got[worse.id]["ledger"] == "pending"
    assert got[lone.id]["ledger"] == "held for quiet hours"
    store = SqliteStore(tmp_path / "g.db")
    report = pipeline.notify(load_config(path), store, [opener, worse, lone])
    store.close()
    assert (report.sent, report.held_quiet) == (2, 1)  # what the command said
    assert _delivered(tmp_path) == [opener.id, worse.id]


def test_an_opener_over_a_day_old_reads_pending_with_a_recent_follow_up_and_alone_too_old(tmp_path):
    """Delivery sends an incident's opener with a recent follow-up however old (`alerts.deliver.offered`), so no
    channel hears of a crisis first by an update. Before, routes read such an opener "too old"."""
    path = _config(tmp_path)
    store = SqliteStore(tmp_path / "g.db")
    opener = _alert(30, "warning")
    update = _alert(1, "critical", opener, subject="escalation-1")
    stale = _alert(32, "warning")  # no follow-up: too old for good
    save_alerts(store, [stale, opener, update])
    store.close()

    got = _routes(path)

    assert got[opener.id]["ledger"] == "pending" and got[opener.id]["gets"] is True  # was "too old"
    assert got[update.id]["ledger"] == "pending"
    assert got[stale.id]["ledger"] == "too old" and got[stale.id]["gets"] is True  # its route takes it: too late
    store = SqliteStore(tmp_path / "g.db")
    report = pipeline.notify(load_config(path), store, [stale, opener, update])
    store.close()
    assert (report.sent, report.too_old) == (2, 1)
    assert _delivered(tmp_path) == [opener.id, update.id]
    after = _routes(path)
    assert [after[a.id]["ledger"] for a in (stale, opener, update)] == ["too old", "sent", "sent"]
