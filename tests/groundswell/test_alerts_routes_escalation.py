"""`groundswell alerts routes` shows an alert whose escalation is still owed (the channel has it at a lower severity;
its severity rose since) as "escalation pending", not "sent"; once delivery sent the escalation, it reads "sent".
Real embedded store, real delivery (`pipeline.notify`) to a real JSON Lines channel, the real command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from alerts.history import save_alerts
from core.alert import Alert
from groundswell import pipeline
from groundswell.cli import cli
from groundswell.config import load_config
from indexing.sqlite import SqliteStore

HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)  # the command reads the wall clock


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "g.yaml"
    (tmp_path / "in.jsonl").write_text("", encoding="utf-8")
    path.write_text(json.dumps({
        "brands": [{"name": "Acme", "query": "acme"}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}],
        "store": {"path": str(tmp_path / "g.db")},
        "channels": [{"type": "jsonl", "name": "team", "path": str(tmp_path / "sent.jsonl")}],
    }), encoding="utf-8")
    return path


def _route(path: Path, alert_id: str) -> dict:
    result = CliRunner().invoke(cli, ["alerts", "routes", "--config", str(path)])
    assert result.exit_code == 0, result.output
    lines = {line["alert"]: line["channels"]["team"] for line in map(json.loads, result.output.splitlines())}
    return lines[alert_id]


def test_an_alert_owed_its_escalation_reads_escalation_pending_until_it_goes(tmp_path):
    path = _config(tmp_path)
    config, store = load_config(path), SqliteStore(tmp_path / "g.db")
    end = HOUR - timedelta(hours=2)
    alert = Alert(kind="unanswered", brand="Acme", severity="warning", window_start=end - timedelta(hours=1),
                  window_end=end, observed=31, expected=3.2, statistic="negative_binomial", score=11.2)
    save_alerts(store, [alert])
    assert pipeline.notify(config, store, [alert]).sent == 1
    assert _route(path, alert.id)["ledger"] == "sent"
    risen = alert.model_copy(update={"severity": "critical"})  # its queue grew: same id, more severe
    save_alerts(store, [risen])
    line = _route(path, alert.id)
    assert (line["ledger"], line["sent_severity"], line["gets"]) == ("escalation pending", "warning", True), line
    report = pipeline.notify(config, store, [risen])
    assert (report.sent, report.escalated) == (1, 1)  # what the line said delivery does
    assert _route(path, alert.id)["ledger"] == "sent"
    store.close()
