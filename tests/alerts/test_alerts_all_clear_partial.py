"""The all-clear waits for whole quiet buckets: the bucket still filling at `now` is not quiet yet. Real
detection on the stored corpus (`test_alerts_detect_store.corpus`), a second wave written to the store."""

from __future__ import annotations

from datetime import timedelta

from test_alerts_detect_store import BRAND, CRISIS_AT, START, corpus

from alerts.config import AlertsConfig
from alerts.detect import detect_alerts
from core.mention import Author, Engagement, Mention, Sentiment
from indexing.sqlite import SqliteStore

CRISIS = START + timedelta(hours=CRISIS_AT)


def _kinds(store, now) -> list[str]:
    return [a.kind for a in detect_alerts(store, BRAND, AlertsConfig(), now=now, explained=False)]


def test_five_quiet_minutes_are_not_a_quiet_hour(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert(corpus()))
    # Eleven hours after the crisis hour began, the episode is one whole quiet hour short of its all-clear:
    # five minutes into that hour must not supply it; the hour once over does.
    assert "all_clear" not in _kinds(store, CRISIS + timedelta(hours=11, minutes=5))
    assert "all_clear" in _kinds(store, CRISIS + timedelta(hours=12))


def test_a_wave_later_in_that_hour_is_not_preceded_by_an_all_clear(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    wave = [
        Mention(source="x", native_id=f"wave-{i}", text="acme charger overheating again", brand="Acme", lang="en",
                created_at=CRISIS + timedelta(hours=11, minutes=10 + i), author=Author(handle=f"w{i}", followers=100),
                engagement=Engagement(likes=1),
                sentiment=Sentiment(label="negative", probs={"negative": 0.9}, model="t@1"))
        for i in range(40)
    ]
    assert all(r.ok for r in store.upsert([*corpus(), *wave]))
    assert "all_clear" not in _kinds(store, CRISIS + timedelta(hours=11, minutes=5))
    at_three = detect_alerts(store, BRAND, AlertsConfig(), now=CRISIS + timedelta(hours=12), explained=False)
    assert [a.subject for a in at_three if a.kind == "spike"] == ["surge-1"]  # the wave: one episode, escalated
    assert "all_clear" not in [a.kind for a in at_three]


def test_with_one_recent_bucket_the_all_clear_is_still_reported(tmp_path):
    """Decided on the last whole bucket, the all-clear is one bucket older than the bucket still filling,
    which is all `recent_buckets: 1` keeps: it gets that one bucket more (alerts.detect._recent_cut)."""
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert(corpus()))
    config = AlertsConfig(recent_buckets=1)
    runs = [h for h in range(9, 16)
            if "all_clear" in [a.kind for a in detect_alerts(store, BRAND, config, explained=False,
                                                               now=CRISIS + timedelta(hours=h, minutes=5))]]
    assert runs == [12]
