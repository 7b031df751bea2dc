"""Missed scheduled runs lose no alert: a run stores and offers every alert decided since the brand's last run
that stored its alerts (`alerts.catchup`), and no channel hears of a crisis first by an update or its all-clear.
Real detection through `pipeline.detect` and `pipeline.notify` on the real embedded store (the test corpus: a
crisis at 15:00 on day 14), a real channel (a JSON Lines file)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from cli_config import write_config
from store_faults import refuse_state_writes
from test_alerts_detect_store import CRISIS_AT, START, corpus

from alerts.catchup import DetectedUpTo
from alerts.detect import detect_alerts
from alerts.history import stored_alerts
from core.alert import decided_at
from groundswell import pipeline
from groundswell.config import Config, load_config
from indexing.sqlite import SqliteStore

CRISIS = START + timedelta(hours=CRISIS_AT)
BEFORE = CRISIS - timedelta(minutes=55)  # the last run before the crisis: 14:05
# The crisis's spike is decided at 16:00 and is recent (the latest 3 buckets) for the runs at 16:05 and 17:05.
AFTER_OUTAGE = CRISIS + timedelta(hours=3, minutes=5)  # 18:05: the runs at 15:05, 16:05 and 17:05 did not happen
AFTER_ALL_CLEAR = CRISIS + timedelta(hours=12, minutes=5)  # 03:05 next day: the all-clear was decided at 03:00


def _setup(tmp_path: Path, **alerts) -> tuple[Config, SqliteStore]:
    folder = write_config(tmp_path, channels=[{"type": "jsonl", "path": str(tmp_path / "sent.jsonl")}],
                          alerts=alerts)
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert(corpus()))
    return load_config(folder), store


def _run(config: Config, store: SqliteStore, now) -> list:
    """One scheduled run's alert steps, as `run_once` and the alerts DAG take them: detect, then notify."""
    found = pipeline.detect(config, store, now=now)
    pipeline.notify(config, store, list(found), now=now)
    return list(found)


def _sent(tmp_path: Path) -> list[dict]:
    path = tmp_path / "sent.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture
def spike_only(tmp_path):
    """The crisis's spike and all-clear alone: no influencer alert (a late kind, reported for a day) that would
    carry its incident into a later run."""
    config, store = _setup(tmp_path, influencer={"enabled": False})
    yield config, store
    store.close()


def test_runs_missed_during_a_crisis_lose_none_of_its_alerts(tmp_path, spike_only):
    config, store = spike_only
    assert _run(config, store, BEFORE) == []
    found = _run(config, store, AFTER_OUTAGE)

    # Every alert the whole history decides between the two runs, stored and sent (before: none, for good).
    history = detect_alerts(store, config.brands[0], config.alerts, now=None)
    missed = {a.id for a in history if BEFORE < decided_at(a) <= AFTER_OUTAGE}
    (spike,) = [a for a in history if a.kind == "spike" and a.window_start == CRISIS]
    assert spike.id in missed and missed <= {a.id for a in found}
    assert missed <= {a.id for a in stored_alerts(store)}
    assert [a["id"] for a in _sent(tmp_path)] == [spike.id]

    # The all-clear, later, goes out as an update of the spike the channel was told of.
    _run(config, store, AFTER_ALL_CLEAR)
    sent = _sent(tmp_path)
    assert [(a["kind"], a["incident_id"]) for a in sent] == [("spike", spike.id), ("all_clear", spike.id)]


def test_a_run_that_could_not_store_its_alerts_is_caught_up_by_the_next(tmp_path, spike_only):
    """The brand's mark moves only once its alerts are stored (the cursor rule): a run whose alert log write
    failed leaves it, and the next run reports what that run decided."""
    config, store = spike_only
    _run(config, store, BEFORE)
    refuse_state_writes(tmp_path / "g.db", "alert:%")
    with pytest.raises(Exception, match="database is locked"):
        pipeline.detect(config, store, now=CRISIS + timedelta(hours=1, minutes=5))  # 16:05: decides the spike
    assert DetectedUpTo(store).get("Acme") == BEFORE
    store._conn().execute("DROP TRIGGER refuse")

    found = _run(config, store, AFTER_OUTAGE)

    assert [a.kind for a in found] == ["spike"] and [a["kind"] for a in _sent(tmp_path)] == ["spike"]
    assert DetectedUpTo(store).get("Acme") == AFTER_OUTAGE


def test_a_first_run_reports_its_recent_buckets_only(tmp_path, spike_only):
    """No mark yet (a store's first scheduled run): what was decided before its recent buckets is not stored, as
    before, so a first run does not page weeks of history."""
    config, store = spike_only
    assert _run(config, store, AFTER_OUTAGE) == []
    assert stored_alerts(store) == [] and _sent(tmp_path) == []
    assert DetectedUpTo(store).get("Acme") == AFTER_OUTAGE


def test_a_first_run_sends_an_all_clear_after_the_spike_it_ends(tmp_path, spike_only):
    """A run that finds an all-clear whose spike the alert log lacks (its first run, or one after an outage longer
    than the catch-up reaches) stores the spike and sends it first: an all-clear went out alone, its incident id
    naming an alert never stored, for a crisis the channel never heard of."""
    config, store = spike_only
    found = _run(config, store, AFTER_ALL_CLEAR)  # no mark: the recent buckets hold the all-clear, not the spike
    (clear,) = [a for a in found if a.kind == "all_clear"]
    stored = {a.id: a for a in stored_alerts(store)}
    assert clear.incident_id in stored and stored[clear.incident_id].kind == "spike"

    assert [(a["kind"], a["id"]) for a in _sent(tmp_path)] == [("spike", clear.incident_id), ("all_clear", clear.id)]


def test_after_an_outage_of_over_a_day_an_old_spike_goes_before_its_all_clear(tmp_path, spike_only):
    """Caught up after 27 hours: the spike, decided 25 hours before the run, is stored and, too old to send on its
    own, goes with its fresh all-clear; what else is over a day old is stored, counted too old, not sent."""
    config, store = spike_only
    _run(config, store, BEFORE)
    now = BEFORE + timedelta(hours=27)
    found = pipeline.detect(config, store, now=now)
    report = pipeline.notify(config, store, list(found), now=now)

    (clear,) = [a for a in found if a.kind == "all_clear"]
    spike = next(a for a in found if a.id == clear.incident_id)
    assert decided_at(spike) < now - timedelta(hours=24) < decided_at(clear)
    assert [(a["kind"], a["id"]) for a in _sent(tmp_path)] == [("spike", spike.id), ("all_clear", clear.id)]
    old = [a for a in found if decided_at(a) < now - timedelta(hours=24) and a.id != spike.id]
    assert report.too_old == len(old) and {a.id for a in found} <= {a.id for a in stored_alerts(store)}
