"""A later step's write over a mention retention deleted meanwhile, on both stores (the store contract's way:
SQLite and Elasticsearch on a real node, one expectation written here).

Retention (`groundswell maintain`) deletes old mentions while enrich, the spam step, themes, corrections or
re-enrich hold a batch they read before. Their write (`upsert(..., fields=...)`) must not bring the mention
back whole (retention is often a privacy requirement), must not fail or park it: it is done, nothing written,
and each result says "no longer stored" (`indexing.base.NO_LONGER_STORED`). A stale copy-index entry whose
owner retention deleted must not drop a new post either (`groundswell.copies`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from store_support import STORES, open_store

from core.mention import Author, Mention, Sentiment, analyst_label
from groundswell.copies import CopyIndex
from indexing import base
from indexing.base import Filters, Store, is_no_longer_stored

T0 = datetime(2026, 3, 30, tzinfo=UTC)
CUTOFF = T0 + timedelta(days=2)  # the old posts are in March, the fresh ones in April


@pytest.fixture(params=STORES)
def empty_store(request, tmp_path) -> Iterator[Store]:
    yield from open_store(request.param, request, tmp_path, "gs-gone")


def _post(nid: str, days: float, url: str | None = None, source: str = "x", brand: str = "acme") -> Mention:
    return Mention(source=source, native_id=nid, text=f"Acme post {nid}", url=url, brand=brand,
                   author=Author(handle=f"u{nid}"), created_at=T0 + timedelta(days=days))


def _label(m: Mention, label: str = "negative") -> Sentiment:
    return Sentiment(label=label, probs={label: 0.9}, model="m@1")


# What each step writes over a mention it read before (its `fields`), as that step builds it.
STEPS = {
    "enrich": (base.ENRICHED, lambda m: m.model_copy(update={"sentiment": _label(m), "lang": "en",
                                                             "intent": "complaint"})),
    "re-enrich": (base.SENTIMENT, lambda m: m.model_copy(update={"sentiment": _label(m, "neutral")})),
    "correction": (base.SENTIMENT, lambda m: m.model_copy(update={"sentiment": analyst_label("positive")})),
    "spam": (base.SPAM, lambda m: m.model_copy(update={"spam": "copy-paste campaign"})),
    "themes": (base.THEMES, lambda m: m.model_copy(update={"themes": ["battery"]})),
    "intents": (base.INTENT, lambda m: m.model_copy(update={"intent": "question"})),
    "brands": (base.BRANDS, lambda m: m.with_brands(["globex"], {})),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_a_steps_write_over_a_mention_retention_deleted_stores_nothing_and_says_so(empty_store: Store, step):
    store = empty_store
    old, fresh = _post("old", 0), _post("fresh", 3)
    assert all(r.ok for r in store.upsert([old, fresh]))
    read = store.get([old.id, fresh.id])  # the step's read, before retention runs
    assert store.delete_older_than(CUTOFF) == 1
    fields, write = STEPS[step]

    results = {r.id: r for r in store.upsert([write(m) for m in read], fields=fields)}

    assert is_no_longer_stored(results[old.id])  # done (ok: never parked, never a failure), nothing written
    assert results[old.id].ok and not results[old.id].created and results[old.id].error == base.NO_LONGER_STORED
    assert results[fresh.id].ok and not is_no_longer_stored(results[fresh.id]) and not results[fresh.id].created
    assert store.get([old.id]) == []
    assert store.count(Filters(include_spam=True)) == 1 and store.count(Filters(until=CUTOFF, include_spam=True)) == 0
    (kept,) = store.get([fresh.id])  # the mention still stored got the step's fields
    assert all(getattr(kept, name) == getattr(write(fresh), name) for name in fields) and kept.text == fresh.text


def test_a_whole_write_of_a_mention_not_stored_still_inserts_it(empty_store: Store):
    """Only a step's partial write is refused: collection, an import or a dead-letter replay stores it."""
    store = empty_store
    (result,) = store.upsert([_post("new", 0)])
    assert result.ok and result.created and not is_no_longer_stored(result)
    assert store.count() == 1


def test_a_stale_copy_index_entry_does_not_drop_a_new_post(empty_store: Store):
    """Retention deleted a post but has not pruned the copy index yet (`maintain` prunes after deleting; on a
    big store, minutes later): a new post with the same URL from another source is stored, and takes the key."""
    store = empty_store
    index = CopyIndex(store)
    old = _post("1", 0, url="https://news.example.com/story", source="rss")
    keep, _ = index.split([old])
    assert all(r.ok for r in store.upsert(keep))
    index.remember(keep)
    assert store.delete_older_than(CUTOFF) == 1  # retention's first half; the index still names "rss:1"

    late = _post("9", 3, url="https://www.news.example.com/story?utm_source=x", source="hackernews")
    copy = _post("10", 3, url="https://news.example.com/story", source="mastodon")
    keep, copies = index.split([late, copy])

    assert [m.id for m in keep] == ["hackernews:9"]  # no copy of a post that is gone
    assert copies == [(copy, "hackernews:9")]  # the same story twice in the batch is still one post
    assert all(r.ok for r in store.upsert(keep))
    index.remember(keep)
    assert store.get_states(["copy:url:https://news.example.com/story"]) == {
        "copy:url:https://news.example.com/story": "hackernews:9"}
    again = _post("11", 4, url="https://news.example.com/story", source="bluesky")
    assert index.split([again]) == ([], [(again, "hackernews:9")])


def test_a_copy_whose_original_goes_before_its_brands_are_added_is_handed_back(empty_store: Store):
    """Retention deletes the original between `split` and `widen_owners`: the copy comes back to be stored,
    on a write of the brands that finds the original gone as on a read that does."""
    store = empty_store
    index = CopyIndex(store)
    old = _post("1", 0, url="https://news.example.com/a", source="rss")
    assert all(r.ok for r in store.upsert([old]))
    index.remember([old])
    copy = _post("9", 3, url="https://news.example.com/a", source="hackernews", brand="globex")
    keep, copies = index.split([copy])
    assert keep == [] and copies == [(copy, "rss:1")]
    assert store.delete_older_than(CUTOFF) == 1

    errors, orphans = index.widen_owners(copies)
    assert (errors, orphans) == ([], [copy])
    # Callers that retry on an error (a dead-letter replay, `store copy`) keep such a copy instead of dropping it.
    assert index.give_owners_brands(copies) == [f"{copy.id}: the post it copies is no longer stored"]
    assert store.count() == 0


def test_a_copy_whose_original_goes_between_the_read_and_the_brands_write_is_handed_back(empty_store: Store):
    store = empty_store
    old = _post("1", 0, url="https://news.example.com/a", source="rss")
    assert all(r.ok for r in store.upsert([old]))
    CopyIndex(store).remember([old])
    copy = _post("9", 3, url="https://news.example.com/a", source="hackernews", brand="globex")

    reads: list[list[str]] = []

    class RetentionAfterRead:
        """The store, with retention running right after `widen_owners` read the original (`split` read it
        first, to see it is still stored)."""

        def __getattr__(self, name):
            return getattr(store, name)

        def get(self, ids):
            found = store.get(ids)
            reads.append([m.id for m in found])
            if reads == [["rss:1"], ["rss:1"]]:
                assert store.delete_older_than(CUTOFF) == 1
            return found

    index = CopyIndex(RetentionAfterRead())
    keep, copies = index.split([copy])
    assert keep == [] and copies == [(copy, "rss:1")]
    assert index.widen_owners(copies) == ([], [copy])
    assert reads == [["rss:1"], ["rss:1"]]  # split's existence read, widen_owners' read; then the write
    assert store.count() == 0  # the brands write brought nothing back


@pytest.mark.elasticsearch
def test_elasticsearch_a_mention_deleted_between_the_merge_read_and_the_write_is_not_recreated(es_url):
    """On Elasticsearch the write is read-merge-write: retention deleting the post after our read makes the
    write (`if_seq_no`) a conflict; the next round reads it gone and writes nothing."""
    from elasticsearch import Elasticsearch
    from es_node import delete_prefix

    from indexing.elasticsearch import ElasticsearchStore

    prefix = f"gs-gone-{uuid.uuid4().hex[:8]}"
    other = ElasticsearchStore(es_url, index_prefix=prefix)
    reads = {"n": 0}

    class Racing(Elasticsearch):
        def mget(self, *args, **kwargs):
            answer = super().mget(*args, **kwargs)
            reads["n"] += 1
            if reads["n"] == 1:  # our read found both; retention deletes the old one before our write
                assert other.delete_older_than(CUTOFF) == 1
            return answer

    try:
        old, fresh = _post("old", 0), _post("fresh", 3)
        assert all(r.ok for r in other.upsert([old, fresh]))
        enrich = ElasticsearchStore(index_prefix=prefix, client=Racing(es_url))
        labelled = [m.model_copy(update={"sentiment": _label(m), "lang": "en"}) for m in (old, fresh)]
        results = {r.id: r for r in enrich.upsert(labelled, fields=base.ENRICHED)}
        enrich.close()

        assert reads["n"] >= 2 and is_no_longer_stored(results[old.id])
        assert results[fresh.id].ok and not is_no_longer_stored(results[fresh.id])
        assert other.get([old.id]) == [] and other.count() == 1
        assert other.get([fresh.id])[0].sentiment == _label(fresh)
    finally:
        delete_prefix(other.client, prefix)
        other.close()
