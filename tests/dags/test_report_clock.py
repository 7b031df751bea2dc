"""The weekly report DAG reports as of min(interval end, real now) (`run_clock`): a run given a future logical date
writes, sends and records the last week complete as of now, never a week that has not ended (dag.test())."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from .conftest import run_dag
from .corpus import write_config, write_corpus

pytestmark = pytest.mark.airflow


def test_a_future_logical_date_reports_the_last_week_ended_by_now(dagbag, airflow_home, tmp_path, monkeypatch):
    from groundswell.config import load_config  # lazy: the library after Airflow's env is set
    from groundswell.periods import last_complete  # lazy: as above

    corpus = tmp_path / "export.jsonl"
    write_corpus(corpus)
    path = write_config(tmp_path, corpus, None, {"type": "sqlite", "path": str(tmp_path / "gs.db")})
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(path))
    timezone = load_config(path).digest.timezone

    future = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=30)
    # `day` set to its default explicitly: dag.test() keeps the conf of an earlier run of this session-wide DAG
    # object (tests/dags/test_daily.py runs it with a `day`).
    run, states = run_dag(dagbag, "groundswell_weekly_report", future, conf={"day": None})
    assert run.state == "success", states

    today = datetime.now(UTC).astimezone(ZoneInfo(timezone)).date()
    expected = last_complete("week", today).id.replace(":", "-")
    written = sorted(p.stem for p in (tmp_path / "reports").glob("*.json"))
    # The week ended by the real now is there; no week after it (the future interval's week) was written.
    assert expected in written, written
    assert all(stem <= expected for stem in written), written
