"""groundswell_digest: once a day, the summary for managers and marketers.

Volume and sentiment change, top and rising themes, notable posts and the day's
alerts, built by `pipeline.digest` for the day that just ended in the digest's
timezone. The time of day and timezone come from the environment of the DAG
processor (GROUNDSWELL_DIGEST_TIME, default 08:00; GROUNDSWELL_DIGEST_TIMEZONE,
default UTC): a schedule must be known when the file is parsed, and parsing must
not read files. Param `day` (YYYY-MM-DD) rebuilds the digest of a past day.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task
from groundswell_common import DEFAULT_ARGS, START_DATE, TAGS

DIGEST_TIME = os.environ.get("GROUNDSWELL_DIGEST_TIME", "08:00")
DIGEST_TIMEZONE = os.environ.get("GROUNDSWELL_DIGEST_TIMEZONE", "UTC")


def _daily_cron(hh_mm: str) -> str:
    try:
        hour, minute = (int(part) for part in hh_mm.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise ValueError(f"GROUNDSWELL_DIGEST_TIME must be HH:MM (24h), got {hh_mm!r}") from None
    return f"{minute} {hour} * * *"


@task
def digest() -> str:
    """Build (and deliver) the digest of one local day; return what pipeline.digest reports."""
    import pendulum
    from groundswell_common import load_config, opened_store

    from groundswell import pipeline

    context = get_current_context()
    if context["params"]["day"]:
        day = pendulum.Date.fromisoformat(context["params"]["day"])
    else:
        # The data interval is the 24 h before this run: its start, in the digest's
        # timezone, falls on the day being summarised.
        day = context["data_interval_start"].in_timezone(DIGEST_TIMEZONE).date()
    config = load_config()
    with opened_store(config) as store:
        result = pipeline.digest(config, store, day)
    print(f"digest for {day}: {result}")
    return str(result)


@dag(
    dag_id="groundswell_digest",
    schedule=CronTriggerTimetable(_daily_cron(DIGEST_TIME), timezone=DIGEST_TIMEZONE, interval=timedelta(days=1)),
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
