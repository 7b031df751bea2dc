"""An imported past stream judged against today says so instead of firing nothing in silence.

`groundswell run` / `detect` without `--history` judge the latest buckets before now; a brand whose
newest mention is older than that alert window gets a `detect_notes` entry and one stderr line
naming `--history` (not an error: the exit status stays 0). Real CLI, real SQLite store, a real import.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from alerts.config import AlertsConfig, InfluencerRule
from alerts.detect import alert_window
from core.mention import Author, Mention, Sentiment, dump_mention
from groundswell.cli import cli

DAY0 = datetime(2015, 8, 2, tzinfo=UTC)  # a past stream, as the apple-2014-style exports are


def _line(brand: str, n: int, at: datetime, label: str) -> str:
    return dump_mention(Mention(
        source="import", native_id=f"{brand}-{n}", text=f"{brand} post number {n}", created_at=at,
        author=Author(handle=f"user{n}"), brand=brand, lang="en",
        sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
    ))  # fmt: skip


def _past_stream() -> list[str]:
    """One neutral mention at 10:00 on each of 5 days, then 10 negatives at 22:00 on day 6: a spike
    on the data's own timeline, the last mention at 2015-08-07 22:09."""
    out = [_line("Acme", d, DAY0 + timedelta(days=d, hours=10), "neutral") for d in range(5)]
    out += [_line("Acme", 100 + i, DAY0 + timedelta(days=5, hours=22, minutes=i), "negative") for i in range(10)]
    return out


def _config(tmp_path, lines: list[str]) -> str:
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = tmp_path / "groundswell.yaml"
    path.write_text(
        "brands:\n  - {name: Acme, query: acme}\n  - {name: Fresh, query: fresh}\n"
        f"sources:\n  - type: import\n    options: {{path: {tmp_path / 'in.jsonl'}}}\n"
        f"store: {{type: sqlite, path: {tmp_path / 'gs.db'}}}\nnlp: {{themes: false}}\n",
        encoding="utf-8",
    )
    return str(path)


def _invoke(*args: str) -> tuple[dict, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output  # a note, not an error
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def test_a_past_stream_judged_against_today_says_so_and_history_judges_it(tmp_path):
    recent = datetime.now(UTC) - timedelta(minutes=20)
    fresh = [_line("Fresh", i, recent + timedelta(seconds=i), "neutral") for i in range(3)]  # live data: no note
    config = _config(tmp_path, _past_stream() + fresh)

    summary, stderr = _invoke("run", "-c", config, "--no-progress", "--no-report")
    assert summary["new"] == 18 and summary["alerts"] == []
    assert list(summary["detect_notes"]) == ["Acme"]
    note = summary["detect_notes"]["Acme"]
    assert note.startswith("newest mention 2015-08-07 22:09 UTC is older than the alert window (since ")
    assert "use --history" in note
    assert [line for line in stderr.splitlines() if "alert window" in line] == [f"groundswell: Acme: {note}"]

    detected, stderr = _invoke("detect", "-c", config, "--no-send")
    assert detected["alerts"] == [] and detected["detect_notes"] == {"Acme": note}
    assert f"groundswell: Acme: {note}" in stderr

    judged, stderr = _invoke("run", "-c", config, "--no-progress", "--no-report", "--history")
    assert judged["detect_notes"] == {} and "alert window" not in stderr
    spikes = [a for a in judged["alerts"] if a["kind"] == "spike"]
    assert [(a["brand"], a["start"]) for a in spikes] == [("Acme", (DAY0 + timedelta(days=5, hours=22)).isoformat())]


def test_the_alert_window_is_the_widest_any_enabled_detector_reports():
    now = datetime(2026, 5, 4, 13, 10, tzinfo=UTC)
    # Spike and keyword alerts: the latest `recent_buckets` buckets, the one holding `now` included.
    quiet = {"influencer": InfluencerRule(enabled=False), "viral": {"enabled": False}}
    start, why = alert_window(AlertsConfig(recent_buckets=3, **quiet), now)
    assert start == datetime(2026, 5, 4, 11, tzinfo=UTC) and why == "the latest 3 hour bucket(s)"
    # Influencer posts and reposts arrive late: a run still reports those of the last day.
    start, why = alert_window(AlertsConfig(recent_buckets=3, viral={"enabled": False}), now)
    assert start == now - timedelta(days=1) and why == "the latest 3 hour bucket(s), influencer 1 day(s)"
    start, why = alert_window(AlertsConfig(recent_buckets=3), now)
    assert why == "the latest 3 hour bucket(s), influencer 1 day(s), viral 1 day(s)"
