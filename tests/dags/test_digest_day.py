"""The digest DAG's day across clock changes, on Airflow's own timetable: every local day once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from groundswell.digest import digest_day

pytestmark = pytest.mark.airflow
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(("cron", "first_run"), [
    ("30 0 * * *", datetime(2026, 3, 27, 0, 30, tzinfo=BERLIN)),  # spring forward on the 29th
    ("30 23 * * *", datetime(2026, 10, 23, 23, 30, tzinfo=BERLIN)),  # fall back on the 25th
])
def test_daily_runs_across_a_clock_change_summarise_every_day_once(airflow_home, cron, first_run):
    # Each run's data_interval_end is its trigger time; its start is a fixed 24 h back, which across the
    # change fell on one local day twice and skipped the next.
    # lazy: Airflow may be imported only after the airflow_home fixture set AIRFLOW_HOME (tests/dags/conftest.py)
    import pendulum
    from airflow.timetables.base import TimeRestriction
    from airflow.timetables.trigger import CronTriggerTimetable

    timetable = CronTriggerTimetable(cron, timezone="Europe/Berlin", interval=timedelta(days=1))
    restriction = TimeRestriction(earliest=pendulum.instance(first_run), latest=None, catchup=True)
    last, days = None, []
    for _ in range(5):
        last = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction).data_interval
        days.append(digest_day("Europe/Berlin", last.end))
    assert days == [first_run.date() + timedelta(days=i - 1) for i in range(5)]
