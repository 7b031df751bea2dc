"""groundswell_enrich: whenever new mentions land, tag them (language, sentiment), flag spam, then themes.

Scheduled on the mentions Asset that groundswell_ingest emits. `pipeline.enrich`
works in batches (nlp.batch_size × 8), writing each back before the next, so a
killed run loses at most one batch; `max_mentions` bounds one run (the rest waits
for the next asset event). `themes` then puts the new posts of each brand's last
`themes_days` days into its stored themes (`pipeline.update_themes`, incremental: labels stay
comparable day to day); a brand without themes, or whose new posts drifted, is re-clustered
in full, as groundswell_maintenance does nightly.
Emits the enriched-mentions Asset for anything downstream.
"""

from __future__ import annotations

import logging

from airflow.sdk import Asset, Param, dag, get_current_context, task
from groundswell_common import DEFAULT_ARGS, ENRICHED_URI, MENTIONS_URI, START_DATE, TAGS

MENTIONS = Asset(MENTIONS_URI)
ENRICHED = Asset(ENRICHED_URI)
log = logging.getLogger(__name__)


@task(multiple_outputs=False)
def enrich() -> dict[str, int | str]:
    """Enrich un-enriched mentions batch by batch; return how many per language and sentiment."""
    from groundswell_common import load_config, opened_store

    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)
    from groundswell.upgrade_backfill import catch_up  # lazy: as above
    from nlp.embeddings import SentenceEmbeddings  # lazy: as above

    limit = get_current_context()["params"]["max_mentions"]
    config = load_config()
    with opened_store(config) as store:
        # pipeline.enrich loads the model once and writes back every batch before the next; the intent backfill
        # reuses that encoder.
        embeddings = SentenceEmbeddings(backend=config.nlp.backend)
        report = pipeline.enrich(config, store, limit=limit, embeddings=embeddings)
        spam = pipeline.flag_new_spam(store, report, config)  # spam flagged before themes and alerts count
        # What an upgrade left undone (intent tags, spam flags of older posts), one bounded slice a run, as `run` does.
        backfill = catch_up(config, store, embeddings=embeddings)
    if report.busy:
        # Another process (a CLI `run`/`enrich`) holds the enrich claim and is tagging the same posts: not a
        # failure (it writes them; what it leaves waits for the next mentions event), but not "enriched 0" unsaid.
        log.warning("enrich skipped: another process holds the enrich claim (%s); its posts are tagged there, "
                    "what it leaves waits for the next mentions event", report.busy)
    else:
        print(f"enriched {report.enriched} mention(s) with {report.model}: {report.by_lang} {report.by_sentiment}")
    print(f"spam flagged: {spam.flagged} {spam.by_reason}")
    print(f"upgrade backfill: {backfill}")
    note = pipeline.other_models_note(report.other_models)
    if note:
        print(f"{note} (in Airflow: trigger groundswell_re_enrich)")
    return {
        "enriched": report.enriched,
        "spam_flagged": spam.flagged,
        **({"busy": report.busy} if report.busy else {}),  # who held the enrich claim: this run enriched nothing
        **{f"sentiment:{k}": v for k, v in report.by_sentiment.items()},
    }


@task(outlets=[ENRICHED], multiple_outputs=False)
def themes(enriched: dict[str, int | str]) -> list[int]:
    """Theme the trailing window's new posts (incremental); return how many themes each brand has, in config order
    (counts, not labels: labels are phrases from posts, and XCom outlives the store's retention)."""
    from datetime import timedelta

    from groundswell_common import load_config, opened_store, plain_utc

    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)

    context = get_current_context()
    # Asset-triggered runs have no data interval of their own: anchor on when the run was due.
    since = plain_utc(context["dag_run"].run_after) - timedelta(days=context["params"]["themes_days"])
    config = load_config()
    with opened_store(config) as store:
        summary = pipeline.update_themes(config, store, since=since)
    counts = [len(summary.get(brand.name) or []) for brand in config.brands]
    print(f"themes after enriching {enriched['enriched']} mention(s): {sum(counts)} over {len(counts)} brand(s)")
    return counts


@dag(
    dag_id="groundswell_enrich",
    schedule=[MENTIONS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 2},
    params={
        "max_mentions": Param(50_000, type="integer", minimum=1, description="At most this many per run"),
        "themes_days": Param(14, type="integer", minimum=1, description="Days of mentions themes cluster over"),
    },
    tags=TAGS,
    doc_md=__doc__,
)
def groundswell_enrich() -> None:
    themes(enrich())


groundswell_enrich()
