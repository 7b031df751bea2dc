"""`python -m tools.alerts.scheduled_replay`: a real stream through hourly scheduled runs, as a manager's channel
receives it (the whole streams' figures: docs/alerts.md, "Real streams, run as scheduled")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import shared_path
from tools.alerts.scheduled_replay import _summary, main


def test_a_real_stream_replayed_hour_by_hour_never_reopens_a_cleared_incident(tmp_path):
    folder = shared_path("data", "streams", "gop-debate-2015")
    out, sent = tmp_path / "replay.json", tmp_path / "messages.jsonl"
    args = ["--stream", str(folder), "--limit", "5600", "--start-hours", "1", "--json", str(out), "--no-progress",
            "--messages", str(sent)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(out.read_text(encoding="utf-8"))
    # 5,600 posts span the debate and the quiet morning after (to 12:xx): one run per hour from 01:00 to one past
    # the last post. Each candidate's history starts at his first post, hours before (alerts/history_start.py): a
    # spike baseline needs a day of data, so no run may call the debate's hours "N× the expected", as runs did
    # when the weeks before the stream read as zeros ("375 negative mentions … 7500.0× the 0.1 expected"). The
    # debate floods some candidates with mostly negative posts in their first hours: the first-day rule
    # (alerts/first_day.py) says so, as a new brand's learning alert with counts and shares, and no expected count.
    assert summary["runs"] >= 10
    spikes = [m for m in map(json.loads, sent.read_text(encoding="utf-8").splitlines()) if m["kind"] == "spike"]
    assert len(spikes) == summary["by_kind"].get("spike", 0) >= 1
    for m in spikes:
        assert m["detector"] == "first_day" and m["expected"] == 0.0, m
        assert "no usual level yet" in m["summary"] and "expected" not in m["summary"] and "×" not in m["summary"]
    assert sum(summary["by_kind"].values()) == summary["messages"] == sum(summary["by_brand"].values())
    assert summary["threads"] <= summary["messages"]
    assert summary["spike_after_own_all_clear"] == []
    # The debate's 02:00 UTC hour has negative posts retweeted dozens of times: reposts are dropped as copies at
    # collection, yet recorded as shares, so the channel hears of them, as soon as that hour is over.
    assert summary["by_kind"].get("viral", 0) == len(summary["viral_posts"]) >= 1
    assert all(0.0 <= v["hours_after_window_end"] < 1.0 and v["reposts"] >= 20 for v in summary["viral_posts"])


def _alert(id_: str, kind: str, incident: str, start: str) -> dict:
    end = (datetime.fromisoformat(start) + timedelta(hours=1)).isoformat()  # hour buckets
    return {"id": id_, "kind": kind, "incident_id": incident, "brand": "B", "window_start": start, "window_end": end}


def test_a_spike_sent_after_its_incidents_all_clear_is_reported():
    at = [datetime(2015, 8, 7, h, tzinfo=UTC) for h in range(24)]
    alerts = [
        _alert("a", "spike", "i1", "2015-08-07T01:00:00+00:00"),
        _alert("b", "all_clear", "i1", "2015-08-07T03:00:00+00:00"),
        _alert("c", "spike", "i1", "2015-08-07T05:00:00+00:00"),  # the incident reopened: wrong
        _alert("d", "spike", "i2", "2015-08-07T07:00:00+00:00"),
    ]
    sent = {"a": at[2], "b": at[4], "c": at[6], "d": at[8]}
    summary = _summary(Path("gop"), alerts, sent, 8, at[0], at[8], 2, 1, None, 1.0)
    assert summary["spike_after_own_all_clear"] == ["i1: spike 2015-08-07T05:00:00+00:00 sent after the all-clear"]
    assert summary["threads"] == 2 and summary["by_kind"] == {"all_clear": 1, "spike": 3}
    assert summary["spike_delay_hours"] == {"median": 1.0, "max": 1.0}
    assert summary["spike_after_window_end_hours"] == {"median": 0.0, "max": 0.0}


def test_each_viral_post_is_listed_with_its_reposts_and_when_it_was_sent():
    at = [datetime(2014, 12, 9, h, tzinfo=UTC) for h in range(6)]
    post = {"id": "x:1", "author": "TeamCavuto", "sentiment": "negative", "text": "Protesters stage #DieIn " * 10}
    viral = {**_alert("v", "viral", "v", "2014-12-09T01:00:00+00:00"), "subject": "x:1", "observed": 92.0,
             "expected": 2.08, "severity": "warning", "top_posts": [post]}
    summary = _summary(Path("apple"), [viral], {"v": at[2]}, 4, at[0], at[4], 2, 1, None, 1.0)
    (listed,) = summary["viral_posts"]
    assert listed["post"] == "x:1" and listed["author"] == "TeamCavuto" and listed["reposts"] == 92.0
    assert listed["text"].startswith("Protesters stage #DieIn") and len(listed["text"]) == 120
    assert (listed["hours_after_window_start"], listed["hours_after_window_end"]) == (1.0, 0.0)
    assert listed["sent_at"] == at[2].isoformat() and summary["by_kind"] == {"viral": 1}
