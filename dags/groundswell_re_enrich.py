"""groundswell_re_enrich: tag stored mentions again after the sentiment model changed (on demand).

Manual only: `groundswell store re-enrich` as a DAG, for deployments where people trigger work from
the Airflow UI. After an upgrade brings a new default model (or `nlp.sentiment_model` changes), the
enrich DAG's log says how many stored labels another model build gave; trigger this to tag them again
(`groundswell/re_enrich.py`). Params narrow the window (`since`, `until`, `brand`); `all` re-tags every
enriched mention (after changing an `nlp` setting); `dry_run` only counts. Safe to run twice or to
stop: each batch is written before the next is read, and a re-tagged mention is not picked again.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, get_current_context, task
from groundswell_common import DEFAULT_ARGS, PARAM_MOMENT, START_DATE, TAGS, param_time


@task(multiple_outputs=False)
def re_enrich() -> dict:
    """Re-tag what the params select with the configured model; the report (counts by model, label changes)."""
    from airflow.sdk.exceptions import AirflowFailException
    from groundswell_common import load_config, opened_store

    from groundswell.pipeline import as_dict  # lazy: DAG files parse without the pipeline (test_dagbag)
    from groundswell.re_enrich import re_enrich as run  # lazy: as above

    params = get_current_context()["params"]
    config = load_config()
    try:
        zone = config.digest.timezone  # a date param is that day there, as for `store re-enrich --since`
        since, until = param_time(params["since"], zone), param_time(params["until"], zone)
        with opened_store(config) as store:
            report = run(config, store, since=since, until=until, brand=params["brand"] or None,
                         everything=params["all"], dry_run=params["dry_run"])
    except ValueError as exc:  # a brand the config lacks, an empty window, a date that is not one
        raise AirflowFailException(f"bad re-enrich params: {exc}") from None  # retrying cannot fix these
    summary = as_dict(report)
    print(f"re-enrich with {report.model}: {summary}")
    return summary


@dag(
    dag_id="groundswell_re_enrich",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "since": Param(None, type=["null", "string"], description=f"Window start ({PARAM_MOMENT}); empty = oldest"),
        "until": Param(None, type=["null", "string"], description="Window end, exclusive (read as since); empty = now"),
        "brand": Param(None, type=["null", "string"], description="Brand name from the config; empty = all"),
        "all": Param(False, type="boolean", description="Re-tag every enriched mention, not only another model's"),
        "dry_run": Param(False, type="boolean", description="Count what would be re-tagged; write nothing"),
    },
    tags=TAGS,
    doc_md=__doc__,
)
def groundswell_re_enrich() -> None:
    re_enrich()


groundswell_re_enrich()
