"""Retention on a real Elasticsearch node leaves no deleted post on disk: `maintain` merges the segments away.

A delete only marks a document deleted in its Lucene segment; until a merge rewrites the segment its text is still
in the node's data files. `groundswell maintain` ends with the store's `vacuum`, which on Elasticsearch
force-merges (`only_expunge_deletes`) the mentions, state and alerts indices that hold deleted documents. The
segments are read back through the node's own `_stats` (`docs.deleted`): 0 once every deleted post is gone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.history import save_alerts
from alerts.incidents import incident_key
from core.alert import Alert
from core.mention import Author, Mention, Sentiment
from groundswell import pipeline
from groundswell.config import BrandConfig, Config
from groundswell.copies import CopyIndex
from indexing.base import Filters
from indexing.config import ElasticsearchStoreConfig
from indexing.elasticsearch_vacuum import ALLOWED, deleted_docs

pytestmark = pytest.mark.elasticsearch
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)  # 30 days' retention: the cutoff is 2026-10-31 12:00
OLD = datetime(2026, 10, 20, tzinfo=UTC)  # the cutoff's own month: deleted one by one, not with a dropped index
FRESH = datetime(2026, 10, 31, 18, tzinfo=UTC)


def _mention(n: int, when: datetime) -> Mention:
    return Mention(source="x", native_id=f"p{n}", text=f"Acme post {n} by Hans, call 0170 555 {n:04d}",
                   url=f"https://x.example/p{n}", brand="Acme", author=Author(handle=f"user{n}"),
                   created_at=when + timedelta(minutes=n), lang="en",
                   sentiment=Sentiment(label="negative", probs={"negative": 0.9}, model="test"))


def _alert(when: datetime) -> Alert:
    return Alert(brand="Acme", window_start=when, window_end=when + timedelta(hours=1), observed=30, expected=3,
                 statistic="poisson", score=9.0, summary="Acme spiked")


def _indices(store) -> list[str]:
    return [*store.client.indices.get(index=f"{store.prefix}-mentions-*").body, store.state_index, store.alerts_index]


def test_maintain_leaves_no_deleted_document_in_the_segments(es_store):
    store = es_store
    settings = ElasticsearchStoreConfig(type="elasticsearch", url="http://unused", index_prefix=store.prefix)
    config = Config(brands=[BrandConfig(name="Acme", query="acme")], store=settings)
    old = [_mention(n, OLD) for n in range(40)]
    fresh = [_mention(100 + n, FRESH) for n in range(10)]
    assert all(r.ok for r in store.upsert(old + fresh))
    CopyIndex(store).remember(old + fresh)  # state keys per post: retention deletes the old posts' ones
    alerts = [_alert(OLD), _alert(FRESH)]
    save_alerts(store, alerts)
    assert all(r.ok for r in store.index_alerts(alerts, incident_key))
    for name in _indices(store):
        store.client.indices.flush(index=name)  # the documents in segments on disk, as on a node that ran a while

    result = pipeline.maintain(config, store, now=NOW, retention_days=30)

    assert result["deleted"] == len(old) and result["alert_index_pruned"] == 1
    merged = result["vacuum"]["merged"]
    mentions_index = f"{store.prefix}-mentions-2026.10"
    # Each index retention deleted from had deleted documents and was merged; none is left on disk.
    assert {mentions_index, store.state_index, store.alerts_index} <= set(merged)
    assert merged[mentions_index] >= len(old)
    assert result["vacuum"]["deleted_left"] == 0 and result["vacuum"]["still_merging"] == []
    assert deleted_docs(store.client, _indices(store)) == dict.fromkeys(_indices(store), 0)
    # What retention kept is still there (spam included: maintain's upgrade backfill flags these look-alike posts).
    assert store.count(Filters(include_spam=True)) == len(fresh)
    # The merge policy setting the merge lowered is the index's own again.
    settings = store.client.indices.get_settings(index=mentions_index, name=ALLOWED, flat_settings=True).body
    assert ALLOWED not in settings.get(mentions_index, {}).get("settings", {})

    again = pipeline.maintain(config, store, now=NOW, retention_days=30)
    assert again["deleted"] == 0 and again["vacuum"]["deleted_left"] == 0
