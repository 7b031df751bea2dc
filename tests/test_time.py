"""One rule for naive datetimes everywhere: they are UTC, never the machine's local time."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.time import as_utc, check_range, plain_utc

DAGS = Path(__file__).resolve().parents[1] / "dags"


def test_naive_is_utc_and_aware_is_converted(far_from_utc):
    naive = datetime(2026, 11, 10, 9, 30)
    assert as_utc(naive) == datetime(2026, 11, 10, 9, 30, tzinfo=UTC)
    assert plain_utc(naive) == datetime(2026, 11, 10, 9, 30, tzinfo=UTC)
    aware = datetime(2026, 11, 10, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    assert as_utc(aware).utcoffset() == timedelta(0) and as_utc(aware) == aware
    assert plain_utc(None) is None


def test_airflow_tasks_use_the_same_rule(far_from_utc, monkeypatch):
    # groundswell_common once had its own plain_utc that read a naive moment as local time.
    monkeypatch.syspath_prepend(str(DAGS))
    sys.modules.pop("groundswell_common", None)
    import groundswell_common

    assert groundswell_common.plain_utc(datetime(2026, 11, 10)) == datetime(2026, 11, 10, tzinfo=UTC)
    assert os.environ["TZ"] == "America/Los_Angeles"


def test_a_range_must_start_before_it_ends():
    check_range(None, datetime(2026, 3, 1, tzinfo=UTC))
    check_range(datetime(2026, 3, 1), datetime(2026, 3, 1, 0, 1, tzinfo=UTC))  # naive is UTC
    for since, until in [(datetime(2026, 3, 2), datetime(2026, 3, 1)), (datetime(2026, 3, 1), datetime(2026, 3, 1))]:
        with pytest.raises(ValueError, match="must be before until"):
            check_range(since, until)
