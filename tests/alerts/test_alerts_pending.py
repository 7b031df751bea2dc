"""Alerts a channel missed while it was down are delivered when it is back, though detection reports only
its recent buckets (`alerts.deliver.with_pending`). Real detection on the store, a real HTTP receiver."""

from __future__ import annotations

from datetime import timedelta

from conftest import make_alert
from test_alerts_detect_store import BRAND, CRISIS_AT, START, corpus

from alerts.config import AlertsConfig, WebhookChannel
from alerts.deliver import PENDING_WITHIN, DeliveryLedger, deliver, with_pending
from alerts.detect import detect_alerts
from alerts.history import save_alerts, stored_alerts
from indexing.sqlite import SqliteStore


def _hourly_runs(store, channels, env, server, hours_down: int, runs: int) -> list[int]:
    """What the pipeline does each hour: detect, store, deliver this pass's alerts plus the pending ones.
    The receiver answers 503 for the first `hours_down` runs."""
    crisis = START + timedelta(hours=CRISIS_AT)
    sent = []
    for k in range(1, runs + 1):
        now = crisis + timedelta(hours=k)
        server.plan["/hook"] = [503] * 50 if k <= hours_down else []
        found = detect_alerts(store, BRAND, AlertsConfig(), now=now)
        save_alerts(store, found)
        offered = with_pending(found, stored_alerts(store), channels, store, now)
        sent.append(deliver(offered, channels, store, env, sleep=lambda _s: None).sent)
    return sent


def test_an_alert_missed_during_an_outage_is_delivered_once_the_channel_is_back(http_server, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert(corpus()))
    env = {"HOOK": f"{http_server.url}/hook"}
    channels = [WebhookChannel(type="webhook", url_env="HOOK", retries=1, backoff_s=0)]
    # Three hours down: longer than detection keeps reporting the crisis buckets (recent_buckets = 3).
    sent = _hourly_runs(store, channels, env, http_server, hours_down=3, runs=6)
    crisis = START + timedelta(hours=CRISIS_AT)
    ledger = DeliveryLedger(store)
    stored = [a for a in stored_alerts(store) if a.window_end >= crisis - timedelta(hours=1)]
    assert {a.kind for a in stored} >= {"spike"}
    assert all(ledger.was_sent(channels[0].key, a) for a in stored)  # nothing lost to the outage
    delivered = [r["json"]["alert"]["id"] for r in http_server.on("/hook") if r["status"] == 200]
    assert sorted(delivered) == sorted({a.id for a in stored})  # each once
    assert sum(sent[:3]) == 0 and sent[3] >= 2 and sent[4:] == [0, 0]


def test_only_what_a_channel_would_take_and_of_the_last_day_is_pending(state):
    warning, critical = make_alert(hour=15, severity="warning"), make_alert(hour=16, severity="critical")
    now = critical.window_end + timedelta(hours=2)
    picky = [WebhookChannel(type="webhook", url_env="HOOK", min_severity="critical")]
    assert with_pending([], [warning, critical], picky, state, now) == [critical]  # below it: never pending
    DeliveryLedger(state).record(picky[0].key, critical)
    assert with_pending([], [warning, critical], picky, state, now) == []  # taken: not offered again
    later = critical.window_end + PENDING_WITHIN + timedelta(minutes=1)
    channels = [WebhookChannel(type="webhook", url_env="HOOK", name="new")]
    assert with_pending([], [warning, critical], channels, state, later) == []  # a day on: no flood of old ones
    # Each once, in the order they were decided (pending and fresh alike: `alerts.incidents.delivery_order`).
    assert with_pending([warning], [warning, critical], channels, state, now) == [warning, critical]


def test_a_short_retention_never_prunes_the_entry_of_an_alert_still_offered(state):
    """With `retention_days: 1`, maintenance would drop the ledger entry of an alert sent part-way through its
    window while it is still offered again: it would be sent a second time."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    alert = make_alert(severity="critical").model_copy(
        update={"window_start": now - timedelta(hours=1), "window_end": now + timedelta(minutes=30)})
    channels = [WebhookChannel(type="webhook", url_env="HOOK")]
    DeliveryLedger(state).record(channels[0].key, alert)
    assert DeliveryLedger.prune(state, cutoff=now + timedelta(hours=1), now=now + timedelta(days=1)) == 0
    assert with_pending([], [alert], channels, state, now + timedelta(days=1)) == []
    assert DeliveryLedger.prune(state, cutoff=now + timedelta(days=3), now=now + timedelta(days=3)) == 1
