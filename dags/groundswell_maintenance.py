"""groundswell_maintenance: daily retention, index rollover and vacuum of the embedded store.

All of it is `pipeline.maintain`, which knows the store type: on Elasticsearch it
rolls indices over and drops those past `retention_days`; on SQLite it deletes
expired mentions and vacuums. Runs at 03:15 UTC, away from the digest.
"""

from __future__ import annotations

from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task
from groundswell_common import DEFAULT_ARGS, START_DATE, TAGS


@task
def maintain() -> str:
    """Apply retention / rollover / vacuum as of this run's logical time."""
    from groundswell_common import load_config, opened_store, plain_utc

    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)

    now = plain_utc(get_current_context()["data_interval_end"])
    config = load_config()
    with opened_store(config) as store:
        result = pipeline.maintain(config, store, now)
    print(f"maintenance as of {now}: {result}")
    return str(result)


@dag(
    dag_id="groundswell_maintenance",
    schedule=CronTriggerTimetable("15 3 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 2},
    tags=TAGS,
    doc_md=__doc__,
)
def groundswell_maintenance() -> None:
    maintain()


groundswell_maintenance()
