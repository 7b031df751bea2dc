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
    """Apply retention / rollover / vacuum as of this run's interval end, never later than now (`run_clock`)."""
    from groundswell_common import load_config, opened_store, run_clock

    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)

    now = run_clock(get_current_context())
    config = load_config()
    with opened_store(config) as store:
        result = pipeline.maintain(config, store, now)
    print(f"maintenance as of {now}: {result}")
    return str(result)


@task(multiple_outputs=False)
def themes_full(maintained: str) -> list[int]:
    """Re-cluster every brand's themes over the trailing window, after retention; how many themes each brand got,
    in config order (counts, not labels: labels are phrases from posts; brand names are not XCom keys)."""
    from datetime import timedelta

    from groundswell_common import load_config, opened_store, run_clock

    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)

    context = get_current_context()
    since = run_clock(context) - timedelta(days=context["params"]["themes_days"])
    config = load_config()
    with opened_store(config) as store:
        summary = pipeline.update_themes(config, store, since=since, full=True)
    counts = [len(summary.get(brand.name) or []) for brand in config.brands]
    print(f"themes re-clustered since {since}: {sum(counts)} theme(s) over {len(counts)} brand(s)")
    return counts


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
