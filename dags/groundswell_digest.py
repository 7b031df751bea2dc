"""groundswell_digest: once a day, the summary for managers and marketers.

Volume and sentiment change, top and rising themes, notable posts and the day's
alerts, written by `pipeline.digest` for the day that just ended in the digest's
timezone. Param `day` (YYYY-MM-DD) rebuilds the digest of a past day.

The time and timezone are the config's `digest: {time, timezone}`. A schedule must
be known when Airflow parses this file, so the parser reads just that section of
the file named by $GROUNDSWELL_CONFIG in the DAG processor's environment (one small
local file, no database, no network). Without it the schedule is 08:00 UTC, and
the task warns when the config it runs with asks for another time.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task
from groundswell_common import CONFIG_ENV, DEFAULT_ARGS, START_DATE, TAGS, cron_at, digest_schedule

DIGEST_TIME, DIGEST_TIMEZONE = digest_schedule(os.environ.get(CONFIG_ENV))


@task(multiple_outputs=False)
def digest() -> dict:
    """Write the digest of one local day; hand on counts only (per channel sent/skipped, brands covered).

    Param `day` must have ended in the digest's timezone (`check_day_ended`, as the CLI): a digest of a day still
    running would be sent and recorded as sent, and the real one for that day never would be."""
    from datetime import UTC, date, datetime

    from airflow.sdk.exceptions import AirflowFailException
    from groundswell_common import check_delivery, delivering, delivery_counts, load_config

    from groundswell import pipeline  # lazy: DAG files parse without the pipeline (test_dagbag)
    from groundswell.digest import check_day_ended  # lazy: as above

    context = get_current_context()
    config = load_config()
    if (config.digest.time, config.digest.timezone) != (DIGEST_TIME, DIGEST_TIMEZONE):
        print(
            f"WARNING: the config asks for the digest at {config.digest.time} {config.digest.timezone} but this DAG "
            f"is scheduled at {DIGEST_TIME} {DIGEST_TIMEZONE}: set {CONFIG_ENV} for the DAG processor too"
        )
    if context["params"]["day"]:
        day = date.fromisoformat(context["params"]["day"])
    else:
        # The day before the run's own date in the digest's timezone: the interval's start is a fixed 24 h
        # back, which across a clock change falls on the same day twice and skips the next.
        day = pipeline.digest_day(config.digest.timezone, context["data_interval_end"])
    try:  # also a scheduled run given a future logical date; retrying cannot make the day end sooner
        check_day_ended(day, config.digest.timezone, datetime.now(UTC))
    except ValueError as exc:
        raise AirflowFailException(f"the digest of {day} was not written: {exc}") from None
    # The channels' secrets from their connections (`groundswell_<channel>`), as for the weekly/monthly reports.
    with delivering(config) as store:
        result = pipeline.digest(config, store, day)
    # Counts only, in the log and in XCom: the digest quotes posts; the file it wrote has them (`markdown`).
    counts = {"day": day.isoformat(), **delivery_counts(result)}
    print(f"digest for {day} written to {result.get('markdown')}: {counts}")
    if result.get("not_sent"):
        print(result["not_sent"])
    check_delivery(f"the digest of {day}", result)
    return counts


@dag(
    dag_id="groundswell_digest",
    schedule=CronTriggerTimetable(cron_at(DIGEST_TIME), timezone=DIGEST_TIMEZONE, interval=timedelta(days=1)),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 2},
    params={"day": Param(None, type=["null", "string"], format="date", description="YYYY-MM-DD; empty = yesterday")},
    tags=TAGS,
    doc_md=__doc__,
)
def groundswell_digest() -> None:
    digest()


groundswell_digest()
