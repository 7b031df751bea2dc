"""Retention reaches every copy of what it deletes: the `jsonl` alert files and their readers (`alerts list`, the
dashboard), the digest and report files, and people's verdicts on incidents (notes and names).

Before, `maintain --retention-days 25` on the demo cut the alert log from 16 alerts to 8, but `groundswell alerts list`
and `/api/alerts` still showed 14, quoting deleted posts, because they merge the channel's file, which nothing
trimmed; digests, reports and verdict notes naming a customer stayed for good. Real SQLite store, real files, the
real CLI and dashboard.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

from alerts.channels.base import Report
from alerts.channels.jsonl import JsonlSender
from alerts.history import load_alerts, save_alerts
from core.alert import Alert
from core.mention import Author, Mention, Sentiment
from dashboards.web.app import create_app
from groundswell.alert_verdicts import alert_files, set_verdict, undo_verdict, verdict_history, verdicts
from groundswell.cli import cli
from groundswell.config import load_config
from groundswell.digest import write_digest
from groundswell.pipeline import maintain, period_report
from indexing.sqlite import SqliteStore

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)  # 30 days' retention: the cutoff is 2026-10-31 12:00
OLD = datetime(2026, 10, 5, 9, tzinfo=UTC)
FRESH = datetime(2026, 11, 20, 9, tzinfo=UTC)
QUOTE = "Hans Mueller (@hans_m) phoned support, order 4455"


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "groundswell.yaml"
    path.write_text(yaml.safe_dump({
        "brands": [{"name": "Lumora", "query": "lumora"}],
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
        "channels": [{"type": "jsonl", "path": str(tmp_path / "alerts.jsonl")}],
        "report": {"path": str(tmp_path / "out" / "report.html")},
    }), encoding="utf-8")
    return path


def _mention(n: int, when: datetime) -> Mention:
    return Mention(source="x", native_id=f"p{n}", text=f"lumora broke again, {QUOTE}", brand="Lumora",
                   author=Author(handle="hans_m"), created_at=when + timedelta(minutes=n), lang="en",
                   sentiment=Sentiment(label="negative", probs={"negative": 0.9}, model="test"))


def _alert(when: datetime) -> Alert:
    return Alert(brand="Lumora", window_start=when, window_end=when + timedelta(hours=1), observed=30, expected=3,
                 statistic="poisson", score=9.0, summary=f"Lumora spiked: {QUOTE}")


def _store_with_history(tmp_path: Path) -> tuple[SqliteStore, Path, Alert, Alert]:
    """Posts and an alert on an old day and a fresh one; both alerts in the log and sent to the jsonl channel."""
    config_path = _config(tmp_path)
    store = SqliteStore(tmp_path / "gs.db")
    assert all(r.ok for r in store.upsert([_mention(n, when) for when in (OLD, FRESH) for n in range(3)]))
    old, fresh = _alert(OLD), _alert(FRESH)
    save_alerts(store, [old, fresh])
    channel = JsonlSender(str(tmp_path / "alerts.jsonl"))
    for alert in (old, fresh):
        channel.send(alert)
    return store, config_path, old, fresh


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_maintain_trims_the_alert_file_and_no_reader_shows_a_pruned_alert(tmp_path):
    store, config_path, old, fresh = _store_with_history(tmp_path)
    config = load_config(config_path)
    channel = tmp_path / "alerts.jsonl"
    sender = JsonlSender(str(channel))
    # Digests the channel was sent (one for an old day, one fresh) and a line a person added: kept unless past.
    for day in ("2026-10-05", "2026-11-20"):
        sender.send_report(Report(id=f"day:{day}", subject="digest", text="t", html="h",
                                  data={"day": day, "timezone": "UTC", "quote": QUOTE}))
    with channel.open("a", encoding="utf-8") as fh:
        fh.write("not json, kept as it is\n")
    before = _lines(channel)

    result = maintain(config, store, now=NOW, retention_days=30)

    assert result["state_pruned"]["alert_log"] == 1
    assert result["alert_file_lines_removed"] == 2  # the old alert and the old day's digest
    after = _lines(channel)
    assert after == [line for line in before if old.id not in line and "2026-10-05" not in line]
    assert [json.loads(after[0])["id"]] == [fresh.id] and after[-1] == "not json, kept as it is"
    assert [a.id for a in load_alerts(store, alert_files(config))] == [fresh.id]

    # A copy of the file from before retention (restored from a backup): readers still never show the old alert.
    channel.write_text("\n".join(before) + "\n", encoding="utf-8")
    listed = CliRunner().invoke(cli, ["alerts", "list", "-c", str(config_path)])
    assert listed.exit_code == 0, listed.output
    assert [json.loads(line)["alert"] for line in listed.output.splitlines()] == [fresh.id]
    with TestClient(create_app(store, config), base_url="http://127.0.0.1") as client:
        body = client.get("/api/alerts", params={"days": 90}).json()
    shown = json.dumps(body)
    assert fresh.id in shown and old.id not in shown

    again = maintain(config, store, now=NOW, retention_days=30)  # the restored copy is trimmed again; then stable
    assert again["alert_file_lines_removed"] == 2 and _lines(channel) == after
    assert maintain(config, store, now=NOW, retention_days=30)["alert_file_lines_removed"] == 0


def test_maintain_deletes_digests_and_reports_of_periods_before_the_cutoff_and_nothing_else(tmp_path):
    store, config_path, _, _ = _store_with_history(tmp_path)
    config = load_config(config_path)
    for day in (date(2026, 10, 5), date(2026, 10, 31), date(2026, 11, 20)):
        write_digest(config, store, day)
    for day in (date(2026, 10, 5), date(2026, 11, 20)):  # weeks 41 (ended 12 Oct) and 47 (ends 23 Nov)
        period_report(config, store, "week", day, send=False)
    period_report(config, store, "month", date(2026, 9, 10), send=False)  # ended 1 Oct
    period_report(config, store, "month", date(2026, 10, 10), send=False)  # ends 1 Nov: after the cutoff
    digests, reports = tmp_path / "out" / "digests", tmp_path / "out" / "reports"
    assert "Hans Mueller" in (digests / "2026-10-05.md").read_text(encoding="utf-8")  # what must not stay behind
    others = [digests / "notes.md", digests / "2026-10-05-draft.md", reports / "week-2026-W41.pdf",
              tmp_path / "out" / "2026-10-05.md"]
    for path in others:  # not names maintain writes, or not in its folders: never touched
        path.write_text("kept", encoding="utf-8")

    result = maintain(config, store, now=NOW, retention_days=30)

    # 2026-10-31 ended at midnight after the cutoff (12:00): kept, as the posts of its afternoon are.
    assert sorted(p.name for p in digests.glob("2026-*")) == [
        "2026-10-05-draft.md", "2026-10-31.json", "2026-10-31.md", "2026-11-20.json", "2026-11-20.md"]
    assert sorted(p.name for p in reports.iterdir()) == [
        "month-2026-10.html", "month-2026-10.json", "month-2026-10.md", "week-2026-W41.pdf",
        "week-2026-W47.html", "week-2026-W47.json", "week-2026-W47.md"]
    assert result["digest_files_deleted"] == 2 and result["report_files_deleted"] == 6
    assert result["file_errors"] == []
    assert all(path.read_text(encoding="utf-8") == "kept" for path in others)
    again = maintain(config, store, now=NOW, retention_days=30)
    assert again["digest_files_deleted"] == 0 and again["report_files_deleted"] == 0


def test_maintain_drops_the_verdicts_and_notes_of_incidents_retention_removed(tmp_path):
    store, config_path, old, fresh = _store_with_history(tmp_path)
    config = load_config(config_path)
    shown = load_alerts(store, alert_files(config))
    set_verdict(store, shown, old.id, "real", by="analyst.anna", now=NOW, note=QUOTE)
    set_verdict(store, shown, old.id, "false_alarm", by="lead", now=NOW)  # the first one moves into the history
    set_verdict(store, shown, fresh.id, "real", by="analyst.anna", now=NOW, note=QUOTE)
    undo_verdict(store, shown, fresh.id, by="lead", now=NOW)
    set_verdict(store, shown, fresh.id, "ack", by="lead", now=NOW)
    store.set_state("alert-verdict:hand-written", "not json")  # unreadable: kept, nothing lost on a parse error

    result = maintain(config, store, now=NOW, retention_days=30)

    assert result["state_pruned"]["alert_verdicts"] == 2  # the old incident's verdict and its history
    assert set(verdicts(store)) == {fresh.id} and set(verdict_history(store)) == {fresh.id}
    leftover = {**store.state_items("alert-verdict:"), **store.state_items("alert-verdict-undone:")}
    assert old.id not in json.dumps(leftover) and set(leftover) == {
        f"alert-verdict:{fresh.id}", f"alert-verdict-undone:{fresh.id}", "alert-verdict:hand-written"}
    assert maintain(config, store, now=NOW, retention_days=30)["state_pruned"]["alert_verdicts"] == 0


def test_without_retention_files_and_verdicts_stay(tmp_path):
    store, config_path, old, _ = _store_with_history(tmp_path)
    config = load_config(config_path)
    set_verdict(store, load_alerts(store, alert_files(config)), old.id, "real", by="analyst.anna", now=NOW, note=QUOTE)
    write_digest(config, store, date(2026, 10, 5))
    before = _lines(tmp_path / "alerts.jsonl")

    result = maintain(config, store, now=NOW)

    assert result["state_pruned"]["alert_verdicts"] == 0 and "alert_file_lines_removed" not in result
    assert _lines(tmp_path / "alerts.jsonl") == before and set(verdicts(store)) == {old.id}
    assert (tmp_path / "out" / "digests" / "2026-10-05.md").exists()
