"""groundswell_maintenance: daily retention, index rollover and vacuum of the embedded store.

All of it is `pipeline.maintain`, which knows the store type: on Elasticsearch it
rolls indices over and drops those past `retention_days`; on SQLite it deletes
expired mentions and vacuums. Then `themes_full` re-clusters each brand's last
`themes_days` days in full (`pipeline.update_themes(full=True)`): the enrich DAG's themes
pass is incremental (new posts join the stored themes), this is where topics are redrawn.
Runs at 03:15 UTC, away from the digest.
"""

from __future__ import annotations

from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task
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


@task
def themes_full(maintained: str) -> dict[str, list[str]]:
    """Re-cluster every brand's themes over the trailing window, after retention; the top labels per brand."""
    from datetime import timedelta

    from groundswell_common import load_config, opened_store, plain_utc

    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)

    context = get_current_context()
    since = plain_utc(context["data_interval_end"]) - timedelta(days=context["params"]["themes_days"])
    config = load_config()
    with opened_store(config) as store:
        summary = pipeline.update_themes(config, store, since=since, full=True)
    return {brand: [t["label"] for t in items[:5]] for brand, items in summary.items()}


@dag(
    dag_id="groundswell_maintenance",
    schedule=CronTriggerTimetable("15 3 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 2},
    params={"themes_days": Param(14, type="integer", minimum=1, description="Days of mentions themes cluster over")},
    tags=TAGS,
    doc_md=__doc__,
)
def groundswell_maintenance() -> None:
    themes_full(maintain())


groundswell_maintenance()
