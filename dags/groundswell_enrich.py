"""groundswell_enrich: whenever new mentions land, tag them (language, sentiment, themes).

Scheduled on the mentions Asset that groundswell_ingest emits. Works in batches
(`enrich_batch` mentions per call, until none is left or `max_batches` is reached),
so each batch is written back before the next starts and a killed run loses at
most one batch of work. Emits the enriched-mentions Asset for anything downstream.
"""

from __future__ import annotations

from airflow.sdk import Asset, Param, dag, get_current_context, task
from groundswell_common import DEFAULT_ARGS, ENRICHED_URI, MENTIONS_URI, START_DATE, TAGS

MENTIONS = Asset(MENTIONS_URI)
ENRICHED = Asset(ENRICHED_URI)


@task(outlets=[ENRICHED])
def enrich() -> dict[str, int]:
    """Enrich un-enriched mentions batch by batch; return how many per language and sentiment."""
    from groundswell_common import load_config, opened_store

    from groundswell import pipeline

    params = get_current_context()["params"]
    config = load_config()
    total: dict[str, int] = {"enriched": 0, "batches": 0}
    with opened_store(config) as store:
        for _ in range(params["max_batches"]):
            report = pipeline.enrich(config, store, limit=params["enrich_batch"])
            if not report.enriched:
                break
            total["enriched"] += report.enriched
            total["batches"] += 1
            for key, n in {**report.by_lang, **{f"sentiment:{k}": v for k, v in report.by_sentiment.items()}}.items():
                total[key] = total.get(key, 0) + n
            print(f"batch {total['batches']}: {report.enriched} enriched ({report.by_sentiment})")
    print(f"enriched {total['enriched']} mentions in {total['batches']} batch(es)")
    return total


@dag(
    dag_id="groundswell_enrich",
    schedule=[MENTIONS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 2},
    params={
        "enrich_batch": Param(1000, type="integer", minimum=1, description="Mentions per enrich call"),
        "max_batches": Param(100, type="integer", minimum=1, description="Stop after this many batches"),
    },
    tags=TAGS,
    doc_md=__doc__,
)
def groundswell_enrich() -> None:
    enrich()


groundswell_enrich()
