"""The upgrade backfill on Elasticsearch (real node): spam flags and intent tags of posts an older version
stored, a bounded slice per pass, then done (groundswell/upgrade_backfill.py)."""

from __future__ import annotations

import json

import pytest
from upgrade_backfill_support import CAMPAIGN, NOW, config, old_posts

from groundswell.intents_backfill import untagged_count, untagged_enriched
from groundswell.upgrade_backfill import INTENTS_KEY, backfill_spam, catch_up
from indexing.base import Filters

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
def store(es_store):
    assert all(r.ok for r in es_store.upsert(old_posts()))
    return es_store


def test_spam_backfill_on_elasticsearch(store) -> None:
    passes = [backfill_spam(config(), store, now=NOW, limit=1) for _ in range(3)]
    assert [(p["flagged"], p["done"]) for p in passes] == [(0, False), (10, False), (0, True)]
    assert [m.text for m in store.iter_mentions(Filters(include_spam=True)) if m.spam] == [CAMPAIGN] * 10
    assert backfill_spam(config(), store, now=NOW, limit=1) == {"done": True}


@pytest.mark.model
def test_intent_backfill_on_elasticsearch(store) -> None:
    assert (untagged_enriched(store), untagged_count(store, Filters(include_spam=True, intent="question"))) == (12, 13)
    first = catch_up(config(), store, now=NOW, intents_limit=8)
    assert first["intents"] == {"tagged": 8, "remaining": 4, "done": False}
    assert catch_up(config(), store, now=NOW, intents_limit=8)["intents"] == {"tagged": 4, "remaining": 0,
                                                                               "done": True}
    assert json.loads(store.get_state(INTENTS_KEY))["done"] is True
    assert untagged_count(store, Filters(include_spam=True)) == 1  # the post not enriched yet
    assert catch_up(config(), store, now=NOW)["intents"] == {"done": True}
