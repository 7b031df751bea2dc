"""groundswell_ingest: every 15 minutes, collect new mentions for each brand × source.

One mapped task per source type (its own pool, so a rate-limited API sees at most
the pool's slots in parallel), one map index per brand × source of that type. Each
run covers its data interval, reaching back to the end of the last successful run
when runs were missed (scheduler down, catchup off; at most MAX_GAP, beyond which
groundswell_backfill is the tool). The pipeline saves a source's cursor only
after the mentions it covers are stored, so a crash or retry never loses or
duplicates data. When new mentions landed, `publish` emits the mentions Asset that
schedules groundswell_enrich.

Mentions the store refused in earlier runs wait in the dead-letter file: `replay`
stores them first, and `deadletter_ok` fails the run while any still wait (the
CLI's exit code 5), as `sources_ok` does for a failed source.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task
from groundswell_collection import collection_graph
from groundswell_common import DEFAULT_ARGS, START_DATE, TAGS

MAX_GAP = timedelta(hours=3)


@task
def plan(source_type: str) -> list[dict[str, str]]:
    """Brand × source pairs of one source type, from the config (at run time, not parse time)."""
    from groundswell_common import load_config, plan_targets

    return plan_targets(load_config()).get(source_type, [])


@task(map_index_template="{{ target_label }}")
def collect(target: dict[str, str]) -> dict[str, int]:
    """Collect one brand from one source over this run's data interval; fail (and retry) on source errors."""
    from groundswell_common import collect_one

    context = get_current_context()
    context["target_label"] = f"{target['brand']} / {target['source']}"  # type: ignore[typeddict-unknown-key]
    since, until = context["data_interval_start"], context["data_interval_end"]
    previous_end = context.get("prev_data_interval_end_success")  # a lazy proxy: test truthiness, not `is None`
    if previous_end and previous_end < since:
        # Intervals between the last successful run and this one were never collected.
        since = max(previous_end, since - MAX_GAP)
    return collect_one(target, since, until)


@dag(
    dag_id="groundswell_ingest",
    schedule=CronDataIntervalTimetable("*/15 * * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=TAGS,
    doc_md=__doc__,
)
def groundswell_ingest() -> None:
    collection_graph(plan, collect)


groundswell_ingest()
