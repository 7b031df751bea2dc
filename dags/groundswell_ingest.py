"""groundswell_ingest: every 15 minutes, collect new mentions for each brand × source.

One mapped task per source type (its own pool, so a rate-limited API sees at most
the pool's slots in parallel), one map index per brand × source of that type. Each
run reads every source on from its cursor up to the run's data interval end (a source
without a cursor yet: from the interval start, reaching back to the end of the last
successful run when runs were missed, at most MAX_GAP). So an Airflow backfill or a
cleared old run re-reads nothing already read (the task warns); groundswell_backfill
is the tool for a past range. The pipeline saves a source's cursor only
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
PAST = timedelta(hours=1)  # an interval that ended longer ago than this is not a scheduled run catching up


@task
def plan(source_type: str) -> list[dict[str, str]]:
    """Brand × source pairs of one source type, from the config (at run time, not parse time)."""
    from groundswell_common import load_config, plan_targets

    return plan_targets(load_config()).get(source_type, [])


@task(map_index_template="{{ target_label }}", multiple_outputs=False)
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
    warn_if_past(until)
    return collect_one(target, since, until)


def warn_if_past(until) -> None:
    """Say so when this run's interval ended long ago (an Airflow backfill or a cleared old run): ingest reads each
    source on from its cursor, up to the interval end, so it cannot re-read the past; the backfill DAG can."""
    from datetime import UTC, datetime  # lazy: with the rest of the task's imports, at run time

    from groundswell_common import plain_utc  # lazy: as the other tasks import it

    if plain_utc(until) < plain_utc(datetime.now(UTC)) - PAST:
        print(
            f"WARNING: this run's data interval ended at {until}; ingest reads each source from its cursor up to "
            "the interval end, so re-running past intervals (airflow backfill, clearing old runs) re-reads nothing "
            "already read. To collect a past range use groundswell_backfill (or `groundswell ingest --since`)."
        )


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
