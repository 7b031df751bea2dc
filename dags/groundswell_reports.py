"""groundswell_weekly_report / groundswell_monthly_report: the reports managers receive.

Mondays (weekly) and on the 1st (monthly), at the digest's time and timezone (`digest: {time,
timezone}`, read at parse time as for groundswell_digest), one task calls `pipeline.period_report`
for the week or month that just ended: it writes the report beside the digests and sends it to
the channels (`digest.send_to`, or all), once per period and channel, so a retried or re-run task
sends nothing twice. Param `day` (YYYY-MM-DD) reports on the period containing that day.
`digest.weekly` / `digest.monthly: false` turn a cadence off (its runs are skipped).
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task
from groundswell_common import CONFIG_ENV, DEFAULT_ARGS, START_DATE, TAGS, cron_at, digest_schedule

REPORT_TIME, REPORT_TIMEZONE = digest_schedule(os.environ.get(CONFIG_ENV))
# day-of-month month day-of-week: Mondays, and the 1st of each month
CADENCES = {"week": ("* * 1", timedelta(weeks=1)), "month": ("1 * *", timedelta(days=31))}


def report(kind: str) -> dict:
    """Write and send the report of the week/month that ended before this run (or of param `day`)."""
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
    from groundswell_common import check_delivery, delivering, load_config, report_when

    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)

    context = get_current_context()
    config = load_config()
    if not getattr(config.digest, "weekly" if kind == "week" else "monthly"):
        raise AirflowSkipException(f"digest.{'weekly' if kind == 'week' else 'monthly'} is false")
    day, now = report_when(context)
    with delivering(config) as store:
        try:
            result = pipeline.period_report(config, store, kind, day, now=now)  # type: ignore[arg-type]
        except ValueError as exc:  # a `day` whose period has not ended: retrying cannot help
            raise AirflowFailException(str(exc)) from None
    print(f"{kind} report {result['period']}: {result.get('delivery')}")
    check_delivery(f"the {kind} report", result)
    return result


def _report_dag(kind: str):
    days, interval = CADENCES[kind]

    @task(task_id=f"{kind}ly_report", multiple_outputs=False)
    def send() -> dict:
        return report(kind)

    @dag(
        dag_id=f"groundswell_{kind}ly_report",
        schedule=CronTriggerTimetable(cron_at(REPORT_TIME, days), timezone=REPORT_TIMEZONE, interval=interval),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args={**DEFAULT_ARGS, "retries": 2},
        params={"day": Param(None, type=["null", "string"], format="date", description="YYYY-MM-DD in the period")},
        tags=TAGS,
        doc_md=__doc__,
    )
    def report_dag() -> None:
        send()

    return report_dag()


groundswell_weekly_report = _report_dag("week")
groundswell_monthly_report = _report_dag("month")
