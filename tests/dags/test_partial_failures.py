"""Partial failures in real Airflow (dag.test()): the DAG runs follow the CLI's rules.

- Mentions parked in the dead-letter file by an earlier run are replayed by the next
  ingest run (before it collects); while any still wait after the run, the run fails
  (the CLI's exit code 5) and says where they are.
- One brand whose alert detection fails does not stop the others: their alerts are
  delivered to a real (JSONL) channel, then the run fails naming the brand.
- Alerts the Elasticsearch alert index (Kibana's copy) refuses are printed and counted in `detect`'s result; the
  run stays green (the alert log has them) and the next run writes them.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from store_faults import refuse_state_writes

from .conftest import run_dag
from .corpus import T0, write_config, write_corpus
from .test_end_to_end import MENTIONS, _asset_events

pytestmark = pytest.mark.airflow


def _parked(n: int) -> dict:
    """A mention an earlier run collected but could not store (older than this run's window)."""
    from core.mention import Author, Mention

    return json.loads(
        Mention(
            source="import",
            native_id=f"parked-{n}",
            text=f"Lumora parked post {n}",
            created_at=T0 - timedelta(days=1, minutes=n),
            author=Author(handle=f"parker{n}"),
            brand="Lumora",
        ).model_dump_json()
    )


def _open_store(config_path: Path):
    from groundswell.config import load_config
    from groundswell.pipeline import open_store

    return open_store(load_config(config_path))


def test_ingest_replays_the_dead_letter_file_and_fails_while_mentions_wait(dagbag, tmp_path, monkeypatch, capfd):
    corpus = tmp_path / "export.jsonl"
    counts = write_corpus(corpus)
    # The import source reads the whole export from its cursor, whatever the run's interval.
    exported = counts["baseline"] + counts["spike"] + counts["later"]
    config = write_config(tmp_path, corpus, None, {"type": "sqlite", "path": str(tmp_path / "gs.db")})
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(config))
    deadletter = tmp_path / "deadletter.jsonl"  # beside the config's report, where the pipeline parks
    parked = [_parked(n) for n in range(3)]
    last = json.dumps(_parked(3))
    # Three parked mentions, and one line a person must fix (cut short): it can never be stored as is.
    lines = [json.dumps(m) for m in parked] + [last[: len(last) // 2]]
    deadletter.write_text("\n".join(lines) + "\n", encoding="utf-8")
    events_before = len(_asset_events(MENTIONS))

    run, states = run_dag(dagbag, "groundswell_ingest", T0)

    assert states[("replay", -1)] == "success"
    assert states[("collect_import", 0)] == states[("collect_import", 1)] == "success"
    assert states[("publish", -1)] == states[("sources_ok", -1)] == "success"
    # The unreadable line still waits: the run fails, visibly, on its own task.
    assert states[("deadletter_ok", -1)] == "failed" and run.state == "failed"
    out, err = capfd.readouterr()
    assert f"1 mention(s) wait in the dead-letter file {deadletter}" in out + err
    assert deadletter.read_text(encoding="utf-8").splitlines() == [lines[-1]]  # kept verbatim, never dropped
    ids = [f"import:parked-{n}" for n in range(4)]
    store = _open_store(config)
    try:
        assert sorted(m.id for m in store.get(ids)) == ids[:3]
        assert store.count() == exported + 3
    finally:
        store.close()
    # The replayed mentions count as new: enrich is told about them with the collected ones.
    assert _asset_events(MENTIONS)[events_before:] == [{"created": exported + 3}]

    # A person repairs the line; the next run stores it, the file empties and the run succeeds.
    deadletter.write_text(last + "\n", encoding="utf-8")
    run, states = run_dag(dagbag, "groundswell_ingest", T0 + timedelta(minutes=1))
    assert states[("deadletter_ok", -1)] == "success" and run.state == "success", states
    assert not deadletter.exists()
    store = _open_store(config)
    try:
        assert sorted(m.id for m in store.get(ids)) == ids
        assert store.count() == exported + 4
    finally:
        store.close()


DAY0 = datetime(2026, 3, 2, tzinfo=UTC)


def _history(brand: str) -> list:
    """A quiet neutral mention at 10:00 on five days, then ten negatives at 22:00 on day six: a spike."""
    from core.mention import Author, Mention, Sentiment

    def mention(n: int, at: datetime, label: str) -> Mention:
        return Mention(
            source="import",
            native_id=f"{brand}-{n}",
            text=f"{brand} post number {n}",
            created_at=at,
            author=Author(handle=f"user{n}"),
            brand=brand,
            lang="en",
            sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
        )

    out = [mention(d, DAY0 + timedelta(days=d, hours=10), "neutral") for d in range(5)]
    return out + [mention(100 + i, DAY0 + timedelta(days=5, hours=22, minutes=i), "negative") for i in range(10)]


def _fail_detection_for(monkeypatch, broken: str) -> None:
    """Fault injection: wrap the real detect_alerts so it raises for one brand (no data makes the
    detectors fail on demand). dag.test() runs the tasks in this process, so the wrapper is seen
    where the pipeline looks it up (its module-level import)."""
    from groundswell import pipeline

    real = pipeline.detect_alerts

    def detect_alerts(store, brand, *args, **kwargs):
        if brand.name == broken:
            raise RuntimeError(f"injected failure for {brand.name}")
        return real(store, brand, *args, **kwargs)

    monkeypatch.setattr(pipeline, "detect_alerts", detect_alerts)


def _alerts_config(tmp_path: Path, channel: Path, brands: list[str], monkeypatch, store: dict | None = None) -> Path:
    """The config the alerts DAG reads ($GROUNDSWELL_CONFIG): `brands`, each with its history stored, and a
    JSONL channel at `channel`; `store`: the store's settings (default: SQLite beside the config)."""
    config = tmp_path / "groundswell.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "brands": [{"name": name, "query": name.lower()} for name in brands],
                "store": store or {"type": "sqlite", "path": str(tmp_path / "gs.db")},
                "channels": [{"type": "jsonl", "path": str(channel)}],
                "report": {"path": str(tmp_path / "report.html")},
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(config))
    store = _open_store(config)
    try:
        assert all(r.ok for r in store.upsert([m for name in brands for m in _history(name)]))
        if hasattr(store, "refresh"):
            store.refresh()  # Elasticsearch: searchable for the DAG's store at once
    finally:
        store.close()
    return config


def test_a_brand_whose_detection_fails_does_not_stop_the_others_alerts(dagbag, tmp_path, monkeypatch, capfd):
    from groundswell.config import load_config

    channel = tmp_path / "alerts.jsonl"
    config = _alerts_config(tmp_path, channel, ["Broken", "Sparse"], monkeypatch)
    assert load_config(config).alerts.enabled
    _fail_detection_for(monkeypatch, "Broken")

    # The run's data interval ends at 22:15 on day six, after both brands' spikes.
    run, states = run_dag(dagbag, "groundswell_alerts", DAY0 + timedelta(days=5, hours=22, minutes=15))

    assert states[("detect", -1)] == states[("notify", -1)] == "success"
    sent = [json.loads(line) for line in channel.read_text(encoding="utf-8").splitlines()]
    assert sent and {a["brand"] for a in sent} == {"Sparse"}  # without the fault, Broken spikes too
    assert states[("detection_ok", -1)] == "failed" and run.state == "failed"
    out, err = capfd.readouterr()
    assert "alert detection failed for 1 brand(s): Broken" in out + err
    assert "RuntimeError: injected failure for Broken" in out + err


def test_notify_fails_when_the_ledger_cannot_record_what_was_sent(dagbag, tmp_path, monkeypatch, capfd):
    # The task passed on `failed` alone: a store refusing the ledger's writes re-sent the last day's alerts to
    # every channel each run, behind a green task.
    channel = tmp_path / "alerts.jsonl"
    _alerts_config(tmp_path, channel, ["Sparse"], monkeypatch)
    refuse_state_writes(tmp_path / "gs.db", "alert_sent:%", "attempt to write a readonly database")

    run, states = run_dag(dagbag, "groundswell_alerts", DAY0 + timedelta(days=5, hours=22, minutes=15))

    assert states[("detect", -1)] == "success"
    assert states[("notify", -1)] == "failed"  # after its retry, which sent it again (at-least-once)
    # The run fails too: detection_ok (all_done) succeeded, and a run was judged by it alone.
    assert states[("delivery_ok", -1)] == "upstream_failed" and run.state == "failed"
    assert len(channel.read_text(encoding="utf-8").splitlines()) == 2
    out, err = capfd.readouterr()
    assert "0 alert deliveries failed, 1 sent but not recorded" in out + err


@pytest.mark.parametrize("dag_id", ["groundswell_ingest", "groundswell_backfill"])
def test_replay_comes_before_every_collect_task_and_the_check_after_all(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    collects = {t for t in dag.task_dict if t.startswith("collect_")}
    assert collects and collects <= dag.task_dict["replay"].downstream_task_ids
    check = dag.task_dict["deadletter_ok"]
    assert check.trigger_rule == "all_done" and {"replay", *collects} <= check.upstream_task_ids
    assert "replay" in dag.task_dict["publish"].upstream_task_ids  # its count goes into the asset event


def test_detection_check_runs_after_delivery_whatever_its_outcome(dagbag):
    dag = dagbag.dags["groundswell_alerts"]
    check = dag.task_dict["detection_ok"]
    assert check.trigger_rule == "all_done" and {"detect", "notify"} <= check.upstream_task_ids


@pytest.mark.elasticsearch
def test_alerts_the_alert_index_refuses_are_printed_counted_and_written_next_run(
    dagbag, tmp_path, monkeypatch, capfd, es_url
):
    """Real Elasticsearch: `<prefix>-alerts` (Kibana's copy) blocks writes, so each alert's write fails there."""
    from elasticsearch import Elasticsearch
    from es_node import delete_prefix

    prefix = f"gs-dagtest-{uuid.uuid4().hex[:8]}"
    channel = tmp_path / "alerts.jsonl"
    # The URL reaches the tasks only through the Airflow connection (groundswell_common.store_env).
    monkeypatch.setenv("AIRFLOW_CONN_GROUNDSWELL_ELASTICSEARCH", json.dumps({"conn_type": "http", "host": es_url}))
    monkeypatch.setenv("GS_DAGTEST_ES_URL", es_url)  # for the history written here
    client = Elasticsearch(es_url)
    try:
        _alerts_config(tmp_path, channel, ["Sparse"], monkeypatch,
                       {"type": "elasticsearch", "url_env": "GS_DAGTEST_ES_URL", "index_prefix": prefix})
        monkeypatch.delenv("GS_DAGTEST_ES_URL")
        client.indices.put_settings(index=f"{prefix}-alerts", settings={"index.blocks.write": True})
        when = DAY0 + timedelta(days=5, hours=22, minutes=15)

        run, states = run_dag(dagbag, "groundswell_alerts", when)

        assert run.state == "success", states  # the alerts are in the log and delivered: a copy failed
        sent = [json.loads(line)["id"] for line in channel.read_text(encoding="utf-8").splitlines()]
        assert sent
        detect = next(ti for ti in run.get_task_instances() if ti.task_id == "detect")
        assert detect.xcom_pull(task_ids="detect")["index_errors"] == len(sent)
        out, err = capfd.readouterr()
        for alert in sent:
            assert f"not in the alert index (the alert log has it; the next run writes it): alert {alert}: " in out

        client.indices.put_settings(index=f"{prefix}-alerts", settings={"index.blocks.write": False})
        run, states = run_dag(dagbag, "groundswell_alerts", when + timedelta(minutes=5))

        assert run.state == "success", states
        detect = next(ti for ti in run.get_task_instances() if ti.task_id == "detect")
        assert detect.xcom_pull(task_ids="detect")["index_errors"] == 0
        assert "not in the alert index" not in capfd.readouterr().out
        client.indices.refresh(index=f"{prefix}-alerts")
        found = client.search(index=f"{prefix}-alerts", query={"match_all": {}}, size=100)["hits"]["hits"]
        assert {hit["_id"] for hit in found} == set(sent)  # the next run wrote what the index lacked
    finally:
        delete_prefix(client, prefix)
        client.close()
