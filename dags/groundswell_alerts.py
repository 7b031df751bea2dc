"""groundswell_alerts: every 5 minutes, run the crisis detectors and deliver new alerts.

`detect` looks at everything stored up to this run's data interval end; `notify`
sends each alert to every channel, and the pipeline refuses to send the same
alert id to the same channel twice, so re-runs and retries never double-alert.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task
from groundswell_common import DEFAULT_ARGS, START_DATE, TAGS


@task
def detect() -> list[dict]:
    """Alerts for every brand as of the data interval end (JSON, handed to notify through XCom)."""
    from groundswell_common import load_config, opened_store, plain_utc

    from groundswell import pipeline

    now = plain_utc(get_current_context()["data_interval_end"])
    config = load_config()
    with opened_store(config) as store:
        alerts = pipeline.detect(config, store, now=now)
    for alert in alerts:
        print(f"alert {alert.id}: {alert.kind} {alert.severity} for {alert.brand}")
    return [alert.model_dump(mode="json") for alert in alerts]


@task
def notify(alerts: list[dict]) -> dict[str, int]:
    """Deliver the alerts; already-sent ones are counted, not re-sent. Fail if any delivery failed."""
    from groundswell_common import channel_env, exported_env, load_config, opened_store

    from core.alert import Alert
    from groundswell import pipeline

    config = load_config()
    parsed = [Alert.model_validate(a) for a in alerts]
    with opened_store(config) as store, exported_env(channel_env(config)):
        report = pipeline.notify(config, store, parsed)
    summary = {"sent": report.sent, "already_sent": report.already_sent, "failed": report.failed}
    print(f"delivery: {summary}")
    if report.failed:
        # Retrying is safe: sent (alert, channel) pairs are skipped, failed ones tried again.
        raise RuntimeError(f"{report.failed} alert deliveries failed")
    return summary


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
    notify(detect())


groundswell_alerts()
