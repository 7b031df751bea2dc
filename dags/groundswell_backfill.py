"""groundswell_backfill: collect a past date range on demand (brand, source, start, end).

Manual only. Same tasks and pools as groundswell_ingest, but the window comes from
the params instead of the data interval. Safe to run twice: mentions are upserted
by their stable id, so a second run over the same range adds nothing. Like ingest, it
replays the dead-letter file first and fails (`deadletter_ok`) while mentions wait there.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, get_current_context, task
from groundswell_collection import collection_graph
from groundswell_common import DEFAULT_ARGS, PARAM_MOMENT, START_DATE, TAGS, param_time


@task
def plan(source_type: str) -> list[dict[str, str]]:
    """The brand × source pairs the params select (all brands / all sources when left empty)."""
    from airflow.sdk.exceptions import AirflowFailException
    from groundswell_common import load_config, plan_targets, required_param_time

    params = get_current_context()["params"]
    config = load_config()
    try:  # an empty or malformed start/end names the param (a TypeError here was retried for ~15 min)
        zone = config.digest.timezone  # a date param is that day there, as for `ingest --since`
        if required_param_time(params, "start", zone) >= required_param_time(params, "end", zone):
            raise ValueError(f"start ({params['start']}) must be before end ({params['end']})")
        selected = plan_targets(config, brand=params["brand"] or None, source=params["source"] or None)
    except ValueError as exc:
        raise AirflowFailException(f"bad backfill params: {exc}") from None  # retrying cannot fix these
    return selected.get(source_type, [])


@task(map_index_template="{{ target_label }}", multiple_outputs=False)
def collect(target: dict[str, str]) -> dict[str, int]:
    """Collect one brand from one source over [start, end) from the params."""
    from groundswell_common import collect_one, team_zone

    context = get_current_context()
    context["target_label"] = f"{target['brand']} / {target['source']}"  # type: ignore[typeddict-unknown-key]
    params = context["params"]
    zone = team_zone()  # the zone `plan` read the same params in
    # A past range: ignore the incremental cursors (they point at the newest data) and leave them be.
    return collect_one(target, param_time(params["start"], zone), param_time(params["end"], zone), use_cursor=False)


@dag(
    dag_id="groundswell_backfill",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    default_args=DEFAULT_ARGS,
    params={
        "brand": Param(None, type=["null", "string"], description="Brand name from the config; empty = all"),
        "source": Param(None, type=["null", "string"], description="Source name/type from the config; empty = all"),
        "start": Param("2026-01-01T00:00:00+00:00", type="string", format="date-time",
                       description=f"Inclusive ({PARAM_MOMENT})"),
        "end": Param("2026-01-02T00:00:00+00:00", type="string", format="date-time",
                     description="Exclusive (read as start)"),
    },
    tags=TAGS,
    doc_md=__doc__,
)
def groundswell_backfill() -> None:
    collection_graph(plan, collect)


groundswell_backfill()
