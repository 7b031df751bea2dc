"""`groundswell store copy` into a real Elasticsearch node and back out: what a team moving off the embedded
store gets is what it had (every field, spam and unenriched mentions, state), across monthly indices."""

from __future__ import annotations

import pytest
from store_copy_corpus import STATE, rich_mentions

from groundswell.copies import CopyIndex
from groundswell.store_copy import copy_store
from indexing.base import Filters
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.elasticsearch
EVERYTHING = Filters(include_spam=True)


def dumps(store) -> dict[str, dict]:
    return {m.id: m.model_dump(mode="json") for m in store.iter_mentions(EVERYTHING)}


def test_sqlite_to_elasticsearch_and_back_keeps_everything(tmp_path, es_store):
    old = SqliteStore(tmp_path / "old.db")
    back = SqliteStore(tmp_path / "back.db")
    try:
        mentions = rich_mentions(60)
        assert all(r.ok for r in old.upsert(mentions))
        CopyIndex(old).remember(mentions)  # as collection leaves it
        for key, value in STATE.items():
            old.set_state(key, value)
        state = old.state_items("")
        there = copy_store(old, es_store, source_name="sqlite old", target_name="es", batch=25)
        assert there.complete and (there.copied, there.failed, there.state_copied) == (60, 0, len(STATE))
        assert there.state_same == len(state) - len(STATE)  # the copy index, written beside each batch
        assert dumps(es_store) == dumps(old)
        assert es_store.state_items("") == state  # the resume mark is gone once the copy finished
        # What a dashboard counts (spam left out) agrees too, in every facet.
        for field in ("lang", "sentiment", "brand", "intent", "model"):
            assert es_store.facet(Filters(), field) == old.facet(Filters(), field), field
        again = copy_store(old, es_store, source_name="sqlite old", target_name="es", batch=25)
        assert again.target_mentions_after == 60 and again.state_same == len(state)

        home = copy_store(es_store, back, source_name="es", target_name="sqlite back", batch=25)
        assert home.complete and dumps(back) == dumps(old) and back.state_items("") == state
    finally:
        old.close()
        back.close()
