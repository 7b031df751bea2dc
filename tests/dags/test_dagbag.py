"""Every DAG file parses in real Airflow, fast, with the schedules, pools and retries we promise."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from .conftest import DAGS, POOLS_FILE, airflow_env

pytestmark = pytest.mark.airflow

DAG_IDS = {
    "groundswell_ingest",
    "groundswell_enrich",
    "groundswell_alerts",
    "groundswell_digest",
    "groundswell_backfill",
    "groundswell_re_enrich",
    "groundswell_maintenance",
    "groundswell_weekly_report",
    "groundswell_monthly_report",
}
HELPERS = {"groundswell_common.py", "groundswell_collection.py"}  # listed in dags/.airflowignore
DAG_FILES = sorted(p.name for p in DAGS.glob("groundswell_*.py") if p.name not in HELPERS)
# Imported at parse time these would cost seconds per parse (or open connections).
HEAVY = (
    "torch",
    "transformers",
    "elasticsearch",
    "tweepy",
    "praw",
    "mastodon",
    "atproto",
    "feedparser",
    "lingua",
    "jieba",
    "kiwipiepy",
    "sklearn",
    "groundswell.pipeline",
    "indexing.sqlite",
    "nlp",
    "requests",
)


def test_dagbag_loads_every_dag_without_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == DAG_IDS
    for dag in dagbag.dags.values():
        assert "groundswell" in dag.tags
        assert dag.doc_md, f"{dag.dag_id} has no doc_md"


def test_schedules(dagbag):
    ingest = dagbag.dags["groundswell_ingest"].timetable
    assert type(ingest).__name__ == "CronDataIntervalTimetable" and ingest.expression == "*/15 * * * *"
    alerts = dagbag.dags["groundswell_alerts"].timetable
    assert type(alerts).__name__ == "CronDataIntervalTimetable" and alerts.expression == "*/5 * * * *"
    enrich = dagbag.dags["groundswell_enrich"].timetable
    assert [a.uri for a in enrich.asset_condition.objects] == ["groundswell://mentions/"]
    assert dagbag.dags["groundswell_backfill"].timetable.__class__.__name__ == "NullTimetable"
    assert dagbag.dags["groundswell_re_enrich"].timetable.__class__.__name__ == "NullTimetable"
    digest = dagbag.dags["groundswell_digest"].timetable
    # No GROUNDSWELL_CONFIG for the parser here: the config's default digest time, 08:00 UTC.
    assert digest.expression == "0 8 * * *" and str(digest.timezone) == "UTC"
    assert dagbag.dags["groundswell_maintenance"].timetable.expression == "15 3 * * *"
    # The reports at the digest's time: Mondays, and the 1st of the month.
    assert dagbag.dags["groundswell_weekly_report"].timetable.expression == "0 8 * * 1"
    assert dagbag.dags["groundswell_monthly_report"].timetable.expression == "0 8 1 * *"


def test_ingest_maps_each_source_type_in_its_own_pool_with_backoff(dagbag):
    from extractors.registry import EXTRACTORS

    pools = json.loads(POOLS_FILE.read_text())
    for dag_id in ("groundswell_ingest", "groundswell_backfill"):
        dag = dagbag.dags[dag_id]
        for source_type in EXTRACTORS:
            task = dag.task_dict[f"collect_{source_type}"]
            assert type(task).__name__.endswith("MappedOperator"), f"{dag_id}.{task.task_id} is not mapped"
            assert task.pool == f"groundswell_{source_type}"
            assert task.pool in pools, f"{task.pool} missing from {POOLS_FILE.name}"
            assert task.retries >= 3 and task.retry_exponential_backoff == 2.0
            assert task.max_retry_delay == timedelta(minutes=30)
        publish = dag.task_dict["publish"]
        assert [o.uri for o in publish.outlets] == ["groundswell://mentions/"]
        assert publish.trigger_rule == "all_done"
    assert dagbag.dags["groundswell_ingest"].task_dict["sources_ok"].trigger_rule == "none_failed"


PARSE_PROBE = """
import importlib, sys, time
sys.path.insert(0, DAGS)
# What the DAG processor has loaded before it parses any file: Airflow and the authoring API.
import airflow.sdk
from airflow.sdk import dag, task, Asset, Param, CronDataIntervalTimetable, CronTriggerTimetable, get_current_context
import airflow.providers.standard.decorators.python
results = {}
for name in FILES:
    before = set(sys.modules)
    started = time.perf_counter()
    importlib.import_module(name[:-3])
    took = time.perf_counter() - started
    new = set(sys.modules) - before
    results[name] = (took, sorted(m for m in new if m in HEAVY or m.split(".")[0] in HEAVY))
print(repr(results))
"""


@pytest.fixture(scope="module")
def parse_costs(airflow_home) -> dict[str, tuple[float, list[str]]]:
    """Seconds each DAG file takes to import in a fresh interpreter, and the heavy modules it pulled in."""
    header = f"DAGS = {str(DAGS)!r}\nFILES = {DAG_FILES!r}\nHEAVY = {HEAVY!r}\n"
    done = subprocess.run(
        [sys.executable, "-c", header + PARSE_PROBE],
        env={**airflow_env(airflow_home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 - the repr our own probe printed


@pytest.mark.parametrize("dag_file", DAG_FILES)
def test_dag_file_parses_fast_without_heavy_imports(dag_file, parse_costs):
    took, heavy = parse_costs[dag_file]
    print(f"{dag_file}: parsed in {took * 1000:.0f} ms")
    assert heavy == [], f"{dag_file} imports {heavy} at parse time"
    # Well under the 1 s budget per file, with room for a loaded CI machine.
    assert took < 0.5, f"{dag_file} took {took:.2f}s to parse"
