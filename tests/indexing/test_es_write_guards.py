"""Elasticsearch writes on a real node: a write never undoes another writer's, a bad id or one rejected
read fails no other post, and state deletes that fail say so.

The other writer is injected between our read and our write (a real race cannot be timed on cue), through
the real client: `mget` answers, then the other process writes, then our bulk write runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from test_elasticsearch import FAST, _api_error

from core.mention import Author, Engagement, Mention, Sentiment, analyst_label
from indexing.base import SENTIMENT, Filters, StoreUnavailable
from indexing.elasticsearch import CONFLICT_ROUNDS, ElasticsearchStore
from indexing.elasticsearch_mapping import MAX_ID_BYTES
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.elasticsearch
T = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _post(nid: str, likes: int = 1, label: str | None = None) -> Mention:
    sentiment = Sentiment(label=label, probs={label: 0.9}, model="m@1") if label else None
    return Mention(source="x", native_id=nid, text=f"Acme post {nid}", brand="acme", created_at=T,
                   author=Author(handle="a", followers=10), engagement=Engagement(likes=likes), sentiment=sentiment)


def _racing_store(es_url: str, name: str, meanwhile: Callable[[int], None]) -> ElasticsearchStore:
    """A store whose every merge read (`mget`) is followed by `meanwhile(read number)`: another writer."""
    from elasticsearch import Elasticsearch

    reads = {"n": 0}

    class Racing(Elasticsearch):
        def mget(self, *args, **kwargs):
            answer = super().mget(*args, **kwargs)
            reads["n"] += 1
            meanwhile(reads["n"])
            return answer

    return ElasticsearchStore(index_prefix=name, client=Racing(es_url), bulk=FAST)


def test_a_correction_made_between_our_read_and_our_write_is_kept(es_url, prefix):  # noqa: F811
    other = ElasticsearchStore(es_url, index_prefix=prefix, bulk=FAST)
    assert all(r.ok for r in other.upsert([_post("1", label="positive")]))
    corrected = other.get(["x:1"])[0].model_copy(update={"sentiment": analyst_label("negative")})

    def correct_once(read: int) -> None:
        if read == 1:
            assert all(r.ok for r in other.upsert([corrected], fields=SENTIMENT))

    recollect = _racing_store(es_url, prefix, correct_once)
    (result,) = recollect.upsert([_post("1", likes=99)])  # a re-collect refreshes the counts

    assert result.ok
    final = other.get(["x:1"])[0]
    assert (final.sentiment.label, final.sentiment.by_analyst, final.engagement.likes) == ("negative", True, 99)


def test_a_post_another_writer_stored_first_is_merged_not_replaced(es_url, prefix):  # noqa: F811
    other = ElasticsearchStore(es_url, index_prefix=prefix, bulk=FAST)

    def enrich_first(read: int) -> None:
        if read == 1:  # our read found nothing; the enrich step stores the post with its label meanwhile
            assert all(r.ok for r in other.upsert([_post("1", label="negative")]))

    collector = _racing_store(es_url, prefix, enrich_first)
    (result,) = collector.upsert([_post("1", likes=7)])

    assert result.ok and not result.created
    final = other.get(["x:1"])[0]
    assert (final.sentiment.label, final.engagement.likes) == ("negative", 7)


def test_a_post_changed_on_every_read_fails_alone_and_loses_nothing(es_url, prefix):  # noqa: F811
    other = ElasticsearchStore(es_url, index_prefix=prefix, bulk=FAST)
    assert all(r.ok for r in other.upsert([_post("1", label="positive")]))

    def always(read: int) -> None:
        label = "negative" if read % 2 else "neutral"
        post = other.get(["x:1"])[0].model_copy(update={"sentiment": analyst_label(label)})
        assert all(r.ok for r in other.upsert([post], fields=SENTIMENT))

    busy = _racing_store(es_url, prefix, always)
    results = {r.id: r for r in busy.upsert([_post("1", likes=5), _post("2", likes=5)])}

    assert results["x:2"].ok
    assert not results["x:1"].ok and "409" in results["x:1"].error  # parked by the pipeline, written later
    final = other.get(["x:1"])[0]
    assert final.sentiment.by_analyst and final.engagement.likes == 1  # the other writer's last word stands
    assert final.sentiment.label == ("negative" if CONFLICT_ROUNDS % 2 else "neutral")


def test_an_id_too_long_for_an_elasticsearch_id_is_stored_under_its_hash(es_store, tmp_path):
    # Refused once, it blocked every later `store copy` for good (docs/elasticsearch.md, "Ids").
    posts = [_post(str(i)) for i in range(5)] + [_post("L" * MAX_ID_BYTES)]
    results = list(es_store.upsert(posts))
    assert [r.ok for r in results] == [True] * 6 and results[-1].id == posts[-1].id
    assert es_store.count(Filters()) == 6 and [m.id for m in es_store.get([posts[-1].id])] == [posts[-1].id]


def test_a_rejected_merge_read_is_retried(es_url, prefix):  # noqa: F811
    # One 429 on the read used to fail every post of the window (up to 5,000) at once. Injected: a healthy
    # single node does not answer 429 on cue.
    from elasticsearch import Elasticsearch

    reads = {"n": 0}

    class Busy(Elasticsearch):
        def mget(self, *args, **kwargs):
            reads["n"] += 1
            if reads["n"] == 1:
                raise _api_error(429)
            return super().mget(*args, **kwargs)

    store = ElasticsearchStore(index_prefix=prefix, client=Busy(es_url), bulk=FAST)
    assert all(r.ok for r in store.upsert([_post(str(i)) for i in range(20)]))
    assert reads["n"] == 2 and store.count(Filters()) == 20


def test_state_keys_longer_than_an_id_and_failed_deletes(es_store, tmp_path):
    long_key = "copy:url:https://news.example.com/" + "a" * 600
    longer = "copy:url:https://news.example.com/" + "b" * 1100  # past the old ignore_above: never listed
    sqlite = SqliteStore(tmp_path / "g.db")
    for store in (es_store, sqlite):  # the two stores agree on long keys, one by one and in batches
        store.set_state(long_key, "x:1")
        store.set_state("copy:url:short", "x:2")
        store.set_states({longer: "x:3", "copy:url:other": "x:4"})
        assert store.get_state(long_key) == "x:1"
        assert store.get_states([long_key, longer, "copy:url:none"]) == {long_key: "x:1", longer: "x:3"}
        assert store.state_items("copy:") == {long_key: "x:1", "copy:url:short": "x:2", longer: "x:3",
                                              "copy:url:other": "x:4"}
    es_store.delete_state([longer, "copy:url:other"])
    assert es_store.delete_state([long_key, "copy:url:gone"]) == 1 and es_store.get_state(long_key) is None

    # A blocked state index (a full disk's flood stage does this) refused the deletes, and they read as
    # "the keys were not there": an undo or a finished pass kept its state without a word.
    es_store.client.indices.put_settings(index=es_store.state_index, settings={"index.blocks.write": True})
    try:
        with pytest.raises(StoreUnavailable, match="did not delete 1 state key"):
            es_store.delete_state(["copy:url:short"])
    finally:
        es_store.client.indices.put_settings(index=es_store.state_index, settings={"index.blocks.write": False})
    assert es_store.get_state("copy:url:short") == "x:2"


def test_totals_answer_the_store_contract(es_store, tmp_path):
    sqlite = SqliteStore(tmp_path / "g.db")
    posts = [_post(str(i), likes=i) for i in range(4)]
    for store in (es_store, sqlite):
        assert all(r.ok for r in store.upsert(posts))
    assert es_store.totals() == sqlite.totals() == {"mentions": 4, "engagement": 6, "reach": 46}


def test_a_state_index_from_before_long_keys_lists_them_after_opening(es_url, prefix):  # noqa: F811
    from elasticsearch import Elasticsearch

    from indexing.elasticsearch_mapping import state_index

    old = Elasticsearch(es_url)
    old.indices.create(index=state_index(prefix), mappings={"dynamic": "strict", "properties": {
        "key": {"type": "keyword", "ignore_above": 1024}, "value": {"type": "keyword", "index": False,
                                                                    "doc_values": False},
        "updated_at": {"type": "date"}}})
    old.close()
    store = ElasticsearchStore(es_url, index_prefix=prefix, bulk=FAST)
    longer = "copy:url:https://news.example.com/" + "b" * 1100
    store.set_state(longer, "x:3")
    assert store.state_items("copy:") == {longer: "x:3"}
