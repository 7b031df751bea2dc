"""Posts collected late (`alerts.detect.collected_late`) are found alike on both stores: the rule counts an alert's
posts collected since the last run's read (`Filters.collected_since` with the alert's window, brand and sentiment),
so SQLite and Elasticsearch must agree on which alerts are late and how many of their posts were. Real stores:
SQLite, and Elasticsearch on a real node (tests/es_node.py). The corpus of `test_alerts_detect_store`, its crisis
(day 14, 15:00 to 18:00 UTC) stored hours after the rest."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node per session)
from test_alerts_detect_store import BRAND, CRISIS_AT, START, corpus

from alerts.config import AlertsConfig
from alerts.detect import detect_alerts
from alerts.explain import LATE
from indexing.base import Store
from indexing.sqlite import SqliteStore

CRISIS = START + timedelta(hours=CRISIS_AT)
ON_TIME = datetime(2026, 3, 16, 12, tzinfo=UTC)  # when the rest was collected (the wall clock of `collected_at`)
READ = ON_TIME + timedelta(hours=9)  # when the last run began to read: after the rest, before the crisis came
LATE_AT = READ + timedelta(minutes=50)


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request, tmp_path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened: Store = SqliteStore(tmp_path / "g.db")
    else:
        from indexing.elasticsearch import ElasticsearchStore  # lazy: the Elasticsearch client only for its half

        opened = ElasticsearchStore(request.getfixturevalue("es_url"), index_prefix=f"gs-late-{uuid.uuid4().hex[:8]}")
    posts = corpus()
    crisis = {m.id for m in posts if CRISIS <= m.created_at < CRISIS + timedelta(hours=3) and m.text.endswith("desk")}
    stamped = [m.model_copy(update={"collected_at": LATE_AT if m.id in crisis else ON_TIME}) for m in posts]
    assert all(r.ok for r in opened.upsert(stamped))
    yield opened
    if request.param == "elasticsearch":
        delete_prefix(opened.client, opened.prefix)
    opened.close()


def _late(store: Store, collected_since: datetime | None) -> dict[str, str]:
    """The alerts a run at 22:05 (its last run at 21:05) reports, by kind and window, with their late sentence."""
    now = CRISIS + timedelta(hours=7, minutes=5)
    found = detect_alerts(store, BRAND, AlertsConfig(), now=now, caught_up=now - timedelta(hours=1),
                          collected_since=collected_since)
    return {f"{a.kind} {a.window_start:%d %H:%M}": a.summary[a.summary.find(LATE):].split(" Key phrases")[0]
            if LATE in a.summary else "" for a in found}


def test_both_stores_find_the_same_alerts_late(store):
    late = _late(store, READ)
    assert late["spike 16 15:00"] == (f"{LATE} this happened at 2026-03-16 15:00 UTC; 20 of its 22 posts were "
                                      "stored after the last check.")
    assert late["keyword 16 15:00"].startswith(f"{LATE} this happened at 2026-03-16 15:00 UTC; 20 of its 21 posts")
    # Read after the crisis was stored, or with no read recorded: nothing is late, and the run is as it always was.
    on_time = _late(store, LATE_AT + timedelta(seconds=1))
    assert on_time == _late(store, None) and not any(on_time.values())
    assert "spike 16 15:00" not in on_time  # the old cut: its bucket is older than the recent ones
