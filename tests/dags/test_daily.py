"""The daily DAGs in real Airflow: the digest of a given day is written; maintenance applies retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from .conftest import run_dag
from .corpus import T0, write_config, write_corpus

pytestmark = pytest.mark.airflow


@pytest.fixture
def stored(dagbag, tmp_path, monkeypatch):
    """A config over the test corpus, collected by a real ingest run: an import file is read from its cursor
    whatever the run's interval (docs/sources.md, import), so the whole export lands."""
    corpus = tmp_path / "export.jsonl"
    counts = write_corpus(corpus)
    config = write_config(tmp_path, corpus, None, {"type": "sqlite", "path": str(tmp_path / "gs.db")})
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(config))
    run, _ = run_dag(dagbag, "groundswell_ingest", T0)
    assert run.state == "success"
    return tmp_path, config, counts


def _lumora_between(directory, since: datetime, until: datetime) -> int:
    """The export's Lumora posts created in [since, until), counted from the file itself."""
    n = 0
    for line in (directory / "export.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            post = json.loads(line)
        except json.JSONDecodeError:
            continue  # the corpus's one broken line
        when = datetime.fromisoformat(post["created_at"].replace("Z", "+00:00"))
        n += "Lumora" in post["text"] and since <= when < until
    return n


def test_digest_of_a_given_day_is_written(dagbag, stored):
    directory, _, counts = stored
    run, states = run_dag(dagbag, "groundswell_digest", T0 + timedelta(hours=20), conf={"day": "2026-11-20"})
    assert run.state == "success", states
    digest = json.loads((directory / "digests" / "2026-11-20.json").read_text())
    lumora = next(b for b in digest["brands"] if b["brand"] == "Lumora")
    day = datetime(2026, 11, 20, tzinfo=UTC)
    assert lumora["mentions"] == _lumora_between(directory, day, day + timedelta(days=1)) > counts["spike"]
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
        assert store.count() == counts["baseline"] + counts["spike"] + counts["later"]
    finally:
        store.close()


def test_weekly_report_of_a_given_week_is_written(dagbag, stored):
    directory, _, counts = stored
    run, states = run_dag(dagbag, "groundswell_weekly_report", T0 + timedelta(days=7), conf={"day": "2026-11-20"})
    assert run.state == "success", states
    report = json.loads((directory / "reports" / "week-2026-W47.json").read_text())
    lumora = next(b for b in report["brands"] if b["brand"] == "Lumora")
    week = datetime(2026, 11, 16, tzinfo=UTC)
    assert lumora["current"]["mentions"] == _lumora_between(directory, week, week + timedelta(days=7))
    assert (directory / "reports" / "week-2026-W47.html").exists()


@pytest.mark.parametrize(("dag_id", "first", "period"), [
    ("groundswell_weekly_report", "2026-11-21T00:00:00+00:00", "week:2026-W47"),
    ("groundswell_monthly_report", "2026-11-21T00:00:00+00:00", "month:2026-11"),
])
def test_a_scheduled_report_covers_the_period_that_just_ended(dagbag, dag_id, first, period):
    # On the DAG's own timetable, a scheduled run's logical date is its data interval's start, one interval
    # before it fires: the report was taken from it, so Monday's run reported the week before last, the 1st's
    # the month before last.
    from zoneinfo import ZoneInfo

    import pendulum  # lazy: Airflow's parts only after the airflow_home fixture (tests/dags/conftest.py)
    from airflow.serialization.decoders import decode_timetable
    from airflow.serialization.encoders import encode_timetable
    from airflow.timetables.base import TimeRestriction
    from groundswell_common import report_when

    from groundswell.period_delivery import report_period  # lazy: as the DAG imports it, at run time

    timetable = decode_timetable(encode_timetable(dagbag.dags[dag_id].timetable))  # what the scheduler runs
    restriction = TimeRestriction(earliest=pendulum.instance(datetime.fromisoformat(first)), latest=None, catchup=True)
    info = timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert info.logical_date < info.data_interval.end  # the timetable's own semantics, which the bug missed
    context = {"params": {"day": None}, "logical_date": info.logical_date, "data_interval_end": info.data_interval.end}
    day, now = report_when(context)
    kind = "week" if "weekly" in dag_id else "month"
    chosen, latest = report_period(kind, day, str(ZoneInfo("UTC")), now)
    assert chosen.id == period == latest.id


def test_the_weekly_report_dag_writes_the_week_that_ended_before_it_fired(dagbag, stored):
    # dag.test() infers a manual run's interval from the logical date given: this one ends when Monday's run fires.

    directory, _, counts = stored
    run, states = run_dag(dagbag, "groundswell_weekly_report", datetime.fromisoformat("2026-11-23T08:00:00+00:00"))
    assert run.state == "success", states
    assert sorted(p.stem for p in (directory / "reports").glob("*.json")) == ["week-2026-W47"]
    report = json.loads((directory / "reports" / "week-2026-W47.json").read_text())
    week = datetime(2026, 11, 16, tzinfo=UTC)
    lumora = next(b for b in report["brands"] if b["brand"] == "Lumora")
    assert lumora["current"]["mentions"] == _lumora_between(directory, week, week + timedelta(days=7))
