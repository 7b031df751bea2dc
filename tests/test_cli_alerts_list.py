"""`groundswell alerts list [--csv PATH]`: the stored alert timeline, newest first, one JSON line per alert with its
incident and that incident's verdict; --csv writes the very file the dashboard's ⬇ CSV on Alerts downloads
(groundswell/alert_export.py builds both). A real SQLite store, the real CLI and the real dashboard app."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from cli_config import write_config
from click.testing import CliRunner
from fastapi.testclient import TestClient

from alerts.history import load_alerts, save_alerts
from core.alert import Alert
from dashboards.web.app import create_app
from groundswell.alert_verdicts import set_verdict
from groundswell.cli import cli
from groundswell.config import load_config
from indexing.sqlite import SqliteStore

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _alert(hours: int, **fields) -> Alert:
    base = {"brand": "Acme", "kind": "spike", "severity": "warning", "observed": 30, "expected": 4.5,
            "statistic": "poisson", "score": 12.0, "summary": "Acme: 30 negative mentions against 4.5 expected"}
    return Alert(window_start=START + timedelta(hours=hours), window_end=START + timedelta(hours=hours + 1),
                 **{**base, **fields})


OPENER = _alert(0, severity="critical")
UPDATE = _alert(3, kind="keyword", subject="recall", incident_id=OPENER.id, summary="=1+1 “recall” 9 times")
OTHER = _alert(48, brand="Bolt", severity="info", summary="Bolt: a quiet one")


@pytest.fixture
def config(tmp_path):
    path = write_config(tmp_path, brands=[{"name": "Acme", "query": "acme"}, {"name": "Bolt", "query": "bolt"}])
    store = SqliteStore(tmp_path / "g.db")
    save_alerts(store, [OPENER, UPDATE, OTHER])
    set_verdict(store, load_alerts(store), OPENER.id, "real", by="alice", now=START + timedelta(days=1),
                note="@boss look")
    store.close()
    return path


def _list(config, *args: str):
    result = CliRunner().invoke(cli, ["alerts", "list", "-c", str(config), *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()], result


def test_alerts_list_prints_the_timeline_with_incidents_and_verdicts(config):
    lines, _ = _list(config)
    assert [line["alert"] for line in lines] == [OTHER.id, UPDATE.id, OPENER.id]  # newest first
    assert [line["incident"] for line in lines] == [OTHER.id, OPENER.id, OPENER.id]
    opener = lines[2]
    assert (opener["window_start"], opener["window_end"]) == ("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z")
    assert opener["decided_at"] == opener["window_end"]  # stored before decided_at: the window's end
    assert (opener["observed"], opener["expected"], opener["severity"]) == (30, 4.5, "critical")
    assert opener["summary"] == OPENER.summary and opener["headline"] == "Negative spike"
    assert [line["verdict"] for line in lines] == [None, "real", "real"]
    assert lines[1]["verdict_note"] == "@boss look" and lines[1]["verdict_by"] == "alice"  # JSON: as given


def test_alerts_list_csv_is_the_dashboard_s_file(config, tmp_path):
    out = tmp_path / "alerts.csv"
    lines, result = _list(config, "--csv", str(out))
    assert f"3 alert(s) written to {out}" in result.stderr
    written = out.read_bytes()
    rows = list(csv.DictReader(io.StringIO(written.decode("utf-8-sig"))))  # the BOM Excel needs, as ⬇ CSV has
    assert [r["alert"] for r in rows] == [line["alert"] for line in lines]
    assert rows[1]["summary"] == "'" + UPDATE.summary and rows[1]["verdict_note"] == "'@boss look"  # no formulas
    store = SqliteStore(tmp_path / "g.db")
    try:
        app = create_app(store, load_config(str(config)))
        with TestClient(app, base_url="http://127.0.0.1") as client:
            download = client.get("/api/alerts", params={"format": "csv", "bom": "1"})  # what ⬇ CSV on Alerts asks
    finally:
        store.close()
    assert download.status_code == 200 and download.content == written


def test_alerts_list_filters(config, tmp_path):
    assert [line["alert"] for line in _list(config, "--brand", "Acme")[0]] == [UPDATE.id, OPENER.id]
    assert [line["alert"] for line in _list(config, "--severity", "critical")[0]] == [OPENER.id]
    assert [line["alert"] for line in _list(config, "--limit", "1")[0]] == [OTHER.id]
    assert [line["alert"] for line in _list(config, "--since", "2026-03-02T11:00:00",
                                            "--until", "2026-03-03")[0]] == [UPDATE.id]
    out = tmp_path / "bolt.csv"
    _list(config, "--brand", "Bolt", "--csv", str(out))
    assert [r["alert"] for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))] == [OTHER.id]


def test_alerts_list_refuses_a_reversed_range_and_an_unknown_brand(config):
    reversed_range = CliRunner().invoke(cli, ["alerts", "list", "-c", str(config), "--since", "2026-03-03",
                                              "--until", "2026-03-02"])
    assert reversed_range.exit_code == 2 and "must be before" in reversed_range.output
    unknown = CliRunner().invoke(cli, ["alerts", "list", "-c", str(config), "--brand", "Nope"])
    assert unknown.exit_code == 1 and "Nope" in unknown.output
