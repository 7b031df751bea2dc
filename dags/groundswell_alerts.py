"""groundswell_alerts: every 5 minutes, run the crisis detectors and deliver new alerts.

`detect` looks at everything stored up to this run's data interval end; `notify`
sends each alert decided in the day before that moment to every channel, and the pipeline refuses to send the same
alert id to the same channel twice, so re-runs and retries never double-alert.
A brand whose detection fails does not stop the others: their alerts are still
delivered, then `detection_ok` fails the run naming the brand (the CLI's exit 1). A delivery that failed
fails the run too (`delivery_ok`), as the CLI exits 3. Alerts the store's alert index (Elasticsearch's
`<prefix>-alerts`, for Kibana) did not take are printed and counted in `detect`'s result (`index_errors`), as the
CLI's `alert_index_errors`: not a failure, the alert log holds them and the next run writes them.

Only alert ids cross XCom: `detect` stores the alerts in the alert log (`pipeline.detect`) and `notify` reads them
back from it by id. An alert quotes the posts behind it (texts, handles), and XCom is kept in Airflow's metadata
database beyond the store's retention (until `airflow db clean`; docs/airflow.md).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task
from groundswell_common import DEFAULT_ARGS, START_DATE, TAGS


@task(multiple_outputs=False)  # one XCom: brand names are no XCom keys
def detect() -> dict:
    """Detect and store the alerts of every brand as of the data interval end; hand on through XCom their ids (never
    the alerts: they quote posts), the brands whose detection failed, and how many writes to the alert index
    (Kibana's copy) failed ({"alert_ids": [...], "failed": {brand: error}, "index_errors": n})."""
    from groundswell_common import load_config, opened_store, run_clock

    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)

    now = run_clock(get_current_context())  # never past the real now: delivery prunes its claims by it
    config = load_config()
    with opened_store(config) as store:
        alerts = pipeline.detect(config, store, now=now)
    for alert in alerts:
        print(f"alert {alert.id}: {alert.kind} {alert.severity} for {alert.brand}")
    for brand, error in alerts.failed.items():
        print(f"detection failed for {brand}: {error}")
    for brand, note in alerts.notes.items():  # a stopped collector, or rules held back for labels: not a failure
        print(pipeline.note_line(brand, note))
    for error in alerts.index_errors:  # the Kibana copy only: the alert log has the alert, the next run writes it
        print(f"not in the alert index (the alert log has it; the next run writes it): {error}")
    return {
        "alert_ids": [alert.id for alert in alerts],
        "failed": dict(alerts.failed),
        "index_errors": alerts.index_failed,
    }


@task(multiple_outputs=False)
def notify(detected: dict) -> dict[str, int]:
    """Deliver the alerts `detect` stored (read back from the alert log by id); already-sent ones are counted, not
    re-sent. Fail if any delivery failed, or was sent but not recorded in the ledger (the CLI's exit 3 for both)."""
    from groundswell_common import channel_env, exported_env, load_config, opened_store, run_clock

    from alerts.history import AlertLog  # lazy: DAG files parse without the store's modules (test_dagbag)
    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)

    config = load_config()
    # A run the previous version's `detect` started handed on whole alerts: their ids are what is needed.
    ids = detected.get("alert_ids") or [a["id"] for a in detected.get("alerts", [])]
    # The run's clock, as `detect`'s: only alerts decided in the day before it are sent (alerts.deliver.offered_since).
    now = run_clock(get_current_context())
    with opened_store(config) as store, exported_env(channel_env(config)):
        logged = AlertLog(store).stored(ids)
        for missing in (i for i in ids if i not in logged):  # retention ran in between: nothing left to send
            print(f"alert {missing} is no longer in the alert log; not sent")
        report = pipeline.notify(config, store, [logged[i] for i in ids if i in logged], now=now)
    summary = {
        "sent": report.sent,
        "already_sent": report.already_sent,
        "failed": report.failed,
        "unrecorded": report.unrecorded,
        "too_old": report.too_old,  # decided over a day before the interval's end: stored, not sent
    }
    print(f"delivery: {summary}")
    if report.failed or report.unrecorded:
        # Retrying is safe: sent (alert, channel) pairs are skipped, failed ones tried again. An unrecorded one may
        # go again (at-least-once), but a store refusing the ledger's writes must not pass for a green run.
        raise RuntimeError(f"{report.failed} alert deliveries failed, {report.unrecorded} sent but not recorded")
    return summary


@task(trigger_rule="all_done")
def detection_ok(detected: dict | None) -> None:
    """Fails the run when some brand's detection failed, after the other brands' alerts were delivered."""
    from groundswell_common import check_detection

    check_detection(detected)


@task(trigger_rule="none_failed")
def delivery_ok() -> None:
    """Fails the run (upstream_failed) when notify failed: `detection_ok` runs whatever notify's outcome, and a
    run is judged by its last tasks, so without this one a failed delivery ended in a green run."""


@dag(
    dag_id="groundswell_alerts",
    schedule=CronDataIntervalTimetable("*/5 * * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retry_delay": timedelta(seconds=30), "max_retry_delay": timedelta(minutes=4)},
    tags=TAGS,
    doc_md=__doc__,
)
def groundswell_alerts() -> None:
    detected = detect()
    delivered = notify(detected)
    delivered >> detection_ok(detected)
    delivered >> delivery_ok()


groundswell_alerts()
