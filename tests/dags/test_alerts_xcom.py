"""The alerts DAG hands alert ids through XCom, never the alerts (real Airflow, dag.test()).

An alert quotes the posts behind it (texts, handles: `Alert.top_posts`), and XCom lives in Airflow's metadata
database until `airflow db clean`, beyond the store's retention. `detect` used to return every alert in full (36 KB
for the demo's 16 alerts, 49 post texts); now it returns their ids and `notify` reads the alerts back from the
store's alert log, delivering the same alerts as before.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from .conftest import run_dag
from .test_partial_failures import DAY0, _alerts_config, _open_store

pytestmark = pytest.mark.airflow


def test_detect_hands_on_alert_ids_only_and_notify_delivers_them_from_the_alert_log(dagbag, tmp_path, monkeypatch):
    from alerts.history import load_alerts

    channel = tmp_path / "alerts.jsonl"
    config = _alerts_config(tmp_path, channel, ["Sparse"], monkeypatch)

    run, states = run_dag(dagbag, "groundswell_alerts", DAY0 + timedelta(days=5, hours=22, minutes=15))

    assert run.state == "success", states
    detect = next(ti for ti in run.get_task_instances() if ti.task_id == "detect")
    handed = detect.xcom_pull(task_ids="detect")
    sent = [json.loads(line) for line in channel.read_text(encoding="utf-8").splitlines()]
    assert sent and handed["alert_ids"] == [a["id"] for a in sent]  # what notify delivered, by id
    assert set(handed) == {"alert_ids", "failed", "index_errors"}
    # No post text, handle or summary of an alert reached XCom.
    payload = json.dumps(handed)
    quoted = [p["text"] for a in sent for p in a["top_posts"]] + [a["summary"] for a in sent]
    assert quoted and not any(text in payload for text in quoted)
    assert "user10" not in payload  # a handle the spike's posts carry
    store = _open_store(config)
    try:
        assert {a.id for a in load_alerts(store)} == set(handed["alert_ids"])  # notify read them from here
    finally:
        store.close()
