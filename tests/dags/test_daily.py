"""The daily DAGs in real Airflow: the digest of a given day is written; maintenance applies retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from .conftest import run_dag
from .corpus import T0, write_config, write_corpus

pytestmark = pytest.mark.airflow


@pytest.fixture
def stored(dagbag, tmp_path, monkeypatch):
    """A config over the test corpus, with the spike window collected by a real ingest run."""
    corpus = tmp_path / "export.jsonl"
    counts = write_corpus(corpus)
    config = write_config(tmp_path, corpus, None, {"type": "sqlite", "path": str(tmp_path / "gs.db")})
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(config))
    run, _ = run_dag(dagbag, "groundswell_ingest", T0)
    assert run.state == "success"
    return tmp_path, config, counts


def test_digest_of_a_given_day_is_written(dagbag, stored):
    directory, _, counts = stored
    run, states = run_dag(dagbag, "groundswell_digest", T0 + timedelta(hours=20), conf={"day": "2026-11-20"})
    assert run.state == "success", states
    digest = json.loads((directory / "digests" / "2026-11-20.json").read_text())
    lumora = next(b for b in digest["brands"] if b["brand"] == "Lumora")
    assert lumora["mentions"] == counts["spike"]
    assert (directory / "digests" / "2026-11-20.md").exists()


def test_maintenance_runs_and_keeps_data_without_a_retention_setting(dagbag, stored):
    """SQLite has no retention setting yet (store.retention_days is Elasticsearch-only): nothing is deleted."""
    from groundswell.config import load_config
    from groundswell.pipeline import open_store

    _, config_path, counts = stored
    run, states = run_dag(dagbag, "groundswell_maintenance", T0 + timedelta(days=30))
    assert run.state == "success", states
    store = open_store(load_config(config_path))
    try:
        assert store.count() == counts["spike"]
    finally:
        store.close()


def test_weekly_report_of_a_given_week_is_written(dagbag, stored):
    directory, _, counts = stored
    run, states = run_dag(dagbag, "groundswell_weekly_report", T0 + timedelta(days=7), conf={"day": "2026-11-20"})
    assert run.state == "success", states
    report = json.loads((directory / "reports" / "week-2026-W47.json").read_text())
    lumora = next(b for b in report["brands"] if b["brand"] == "Lumora")
    assert lumora["current"]["mentions"] == counts["spike"]
    assert (directory / "reports" / "week-2026-W47.html").exists()
