"""A brand whose older mentions retention deleted is no new brand (alerts/history_start.is_new_brand).

With `store.retention_days` under the 2 x `baseline_days` a scheduled run reads, the series started where
`maintain` cut the store and nothing of the brand was stored before it: every brand read as new on every run,
and the first-day rule judged the sliding edge of retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.history_start import is_new_brand, mark_trimmed, trimmed_before
from core.mention import Mention
from groundswell import pipeline
from groundswell.config import parse_config
from indexing.sqlite import SqliteStore

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _post(n: int, brand: str, at: datetime) -> Mention:
    return Mention(source="x", native_id=f"{brand}{n}", text=f"{brand} post {n}", created_at=at, brands=[brand])


def test_a_brand_trimmed_by_retention_is_not_new_and_a_brand_added_since_is(tmp_path) -> None:
    config = parse_config({"brands": [{"name": "Oldco", "query": "Oldco"}, {"name": "Newco", "query": "Newco"}],
                           "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")}})
    store = SqliteStore(config.store.path)
    try:
        posts = [_post(d, "Oldco", NOW - timedelta(days=d, hours=1)) for d in range(20)]
        posts += [_post(1, "Newco", NOW - timedelta(hours=5))]
        assert all(r.ok for r in store.upsert(posts))
        report = pipeline.maintain(config, store, now=NOW, retention_days=10)
        assert report["deleted"] == 10
        assert trimmed_before(store) == NOW - timedelta(days=10)
        oldest_kept = NOW - timedelta(days=9, hours=1)
        assert not is_new_brand(store, "Oldco", oldest_kept.replace(minute=0))  # starts where retention cut
        assert is_new_brand(store, "Newco", (NOW - timedelta(hours=5)).replace(minute=0))  # really new
        # The mark never moves back (a maintain with a longer retention deletes nothing older than it had).
        mark_trimmed(store, NOW - timedelta(days=30))
        assert trimmed_before(store) == NOW - timedelta(days=10)
    finally:
        store.close()
