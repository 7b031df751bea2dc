"""Elasticsearch-only behaviour on a real node: mapping, bad documents, 429/503, paging under writes, a killed node."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.mention import COLLECTED, DATED_BY, Author, Engagement, Mention, analyst_label
from core.query import QuerySyntaxError
from indexing.base import Filters
from indexing.elasticsearch import ElasticsearchStore
from indexing.elasticsearch_bulk import BulkPolicy

pytestmark = pytest.mark.elasticsearch

T0 = datetime(2026, 5, 1, tzinfo=UTC)
FAST = BulkPolicy(chunk_size=10, max_retries=3, initial_backoff=0.01, max_backoff=0.05)


def mentions(n: int, start: int = 0, tag: str = "m") -> list[Mention]:
    return [
        Mention(
            source="x",
            native_id=f"{tag}{i}",
            text=f"Acme mention number {i}",
            created_at=T0 + timedelta(minutes=i),
            brand="acme",
            lang="en",
        )
        for i in range(start, start + n)
    ]


def _api_error(status: int):
    """A 429/503 the way the client raises it. Injected: a healthy single node will not produce
    one on demand, and whole-request rejection is exactly the fault the retry code exists for."""
    from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
    from elasticsearch import ApiError

    meta = ApiResponseMeta(
        status=status,
        http_version="1.1",
        headers=HttpHeaders(),
        duration=0.0,
        node=NodeConfig("http", "127.0.0.1", 9200),
    )
    body = {"error": {"type": "es_rejected_execution_exception", "reason": "injected"}, "status": status}
    return ApiError("injected rejection", meta=meta, body=body)


def faulty_client(url: str, plan: dict[int, object]):
    """The real client with chosen bulk calls failing (see `_api_error` for why this is injected).

    plan: call number -> HTTP status (whole request rejected) or ("items", status, k): the request
    goes through but the answer says its first k items were rejected with that status.
    """
    from elasticsearch import Elasticsearch

    calls = {"n": 0}

    class Faulty(Elasticsearch):
        def bulk(self, *args, **kwargs):
            calls["n"] += 1
            fault = plan.get(calls["n"])
            if isinstance(fault, int):
                raise _api_error(fault)
            resp = super().bulk(*args, **kwargs)
            if isinstance(fault, tuple):
                _, status, k = fault
                resp.body["errors"] = True
                for item in resp.body["items"][:k]:
                    op = next(iter(item.values()))
                    op["status"] = status
                    op["error"] = {"type": "es_rejected_execution_exception", "reason": "injected"}
            return resp

    return Faulty(url, retry_on_status=(), max_retries=0), calls


def test_template_mapping_and_alias(es_store: ElasticsearchStore):
    assert all(r.ok for r in es_store.upsert(mentions(3) + mentions(1, tag="june")))
    list(es_store.upsert([m.model_copy(update={"created_at": T0 + timedelta(days=40)}) for m in mentions(1, tag="j")]))
    indices = es_store.client.indices.get_alias(name=es_store.alias).body
    assert {f"{es_store.prefix}-mentions-2026.05", f"{es_store.prefix}-mentions-2026.06"} <= set(indices)
    mapping = es_store.client.indices.get_mapping(index=f"{es_store.prefix}-mentions-2026.05").body
    props = next(iter(mapping.values()))["mappings"]["properties"]
    assert props["brands"]["type"] == "keyword" and "brand" not in props
    assert props["created_at"]["type"] == "date"
    assert props["engagement"]["properties"]["total"]["type"] == "long"
    assert props["text"]["analyzer"] == "standard"
    # language multi-fields exactly when the engine has the analyzers (the integ-test-zip has not)
    has_lang = "analysis-common" in es_store.engine_modules()
    assert ("fields" in props["text"] and "en" in props["text"]["fields"]) == has_lang
    assert es_store.count() == 5


def test_bad_document_does_not_sink_the_batch(es_store: ElasticsearchStore):
    batch = mentions(30)
    # A follower count beyond a 64-bit long, in a mention built without validation (the model caps counts:
    # core.mention.MAX_COUNT): rejected by the index mapping.
    batch[7] = batch[7].model_copy(update={"author": Author.model_construct(handle="huge", followers=10**20)})
    results = list(es_store.upsert(batch))
    assert len(results) == 30
    failed = [r for r in results if not r.ok]
    assert [r.id for r in failed] == [batch[7].id]
    assert "HTTP 400" in failed[0].error and "followers" in failed[0].error
    assert es_store.count() == 29
    assert batch[7].id not in {m.id for m in es_store.get([m.id for m in batch])}


def test_whole_bulk_rejections_are_retried_with_backoff(es_url: str, prefix: str):
    client, calls = faulty_client(es_url, {1: 429, 2: 503, 4: 429})
    store = ElasticsearchStore(index_prefix=prefix, client=client, bulk=FAST)
    batch = mentions(35)
    results = list(store.upsert(batch))
    assert sorted(r.id for r in results) == sorted(m.id for m in batch)
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    assert calls["n"] == 4 + 3  # 4 chunks + 3 retried requests
    assert store.count() == 35
    assert {m.id for m in store.get([m.id for m in batch])} == {m.id for m in batch}


def test_item_rejections_are_retried_and_land_once(es_url: str, prefix: str):
    # The node did index these items; we pretend it answered 429 for them, so the retry writes
    # them again: the stable _id must turn that into an update, never a second copy.
    client, calls = faulty_client(es_url, {1: ("items", 429, 4), 2: ("items", 503, 10)})
    store = ElasticsearchStore(index_prefix=prefix, client=client, bulk=FAST)
    results = list(store.upsert(mentions(20)))
    assert len(results) == 20 and all(r.ok for r in results)
    assert store.count() == 20


def test_persistent_rejection_reports_every_document(es_url: str, prefix: str):
    client, calls = faulty_client(es_url, {n: 503 for n in range(1, 100)})
    store = ElasticsearchStore(index_prefix=prefix, client=client, bulk=FAST)
    batch = mentions(12)
    results = list(store.upsert(batch))
    assert sorted(r.id for r in results) == sorted(m.id for m in batch)
    assert not any(r.ok for r in results)
    assert all("503" in r.error for r in results)
    assert calls["n"] == 2 * (FAST.max_retries + 1)  # 2 chunks, each tried 1 + max_retries times
    assert store.count() == 0


def test_a_write_whose_stored_copy_cannot_be_read_is_refused_not_written_blind(es_url: str, prefix: str):
    """Every write merges with the stored copy (brands, enrichment, a person's label). When that read fails,
    the write must fail too: written blind, a bare re-collect would erase the label. Injected (the real
    client, its chosen mget calls failing): a healthy node will not fail a read on demand."""
    from elasticsearch import Elasticsearch

    plan = {1: "raise", 2: "first doc errors"}
    calls = {"n": 0}

    class FailingReads(Elasticsearch):
        def mget(self, *args, **kwargs):
            calls["n"] += 1
            if plan.get(calls["n"]) == "raise":
                raise _api_error(500)  # not retried (a 429/503 is: test_es_write_guards)
            resp = super().mget(*args, **kwargs)
            if plan.get(calls["n"]) == "first doc errors":
                first = resp.body["docs"][0]
                resp.body["docs"][0] = {"_index": first["_index"], "_id": first["_id"],
                                        "error": {"type": "shard_not_available_exception", "reason": "injected"}}
            return resp

    healthy = ElasticsearchStore(index_prefix=prefix, client=Elasticsearch(es_url), bulk=FAST)
    corrected, new = mentions(2, tag="read")
    assert all(r.ok for r in healthy.upsert([corrected.model_copy(update={"sentiment": analyst_label("negative")})]))
    store = ElasticsearchStore(index_prefix=prefix, client=FailingReads(es_url, retry_on_status=(), max_retries=0),
                               bulk=FAST)
    blind = list(store.upsert([corrected, new]))  # a bare re-collect of the corrected post, and a new one
    assert [r.ok for r in blind] == [False, False] and all("not written" in r.error for r in blind)
    assert "500" in blind[0].error
    partial = list(store.upsert([corrected, new]))
    assert [r.ok for r in partial] == [False, True] and "injected" in partial[0].error
    assert healthy.get([corrected.id])[0].sentiment == analyst_label("negative")
    assert all(r.ok for r in store.upsert([corrected]))  # the read works again: merged, the label kept
    assert healthy.get([corrected.id])[0].sentiment == analyst_label("negative") and healthy.count() == 2


def _loses_a_shard(es_url: str):
    """A real client whose searches come back as if a shard had failed, with no hits. Injected: a single
    healthy node has no shard to lose."""
    from elasticsearch import Elasticsearch

    class LosesAShard(Elasticsearch):
        def search(self, *args, **kwargs):
            resp = super().search(*args, **kwargs)
            resp.body["_shards"] = {**resp.body["_shards"], "failed": 1}
            resp.body["hits"]["hits"] = []
            return resp

    return LosesAShard(es_url)


def test_a_read_from_part_of_the_index_is_an_error_not_a_missing_mention(es_url: str, prefix: str):
    """Retention's clean-up deletes a correction whose mention `get` does not return: an answer from some
    shards only must not read as "not stored". Injected: a single healthy node has no shard to lose."""
    from elasticsearch import Elasticsearch

    from indexing.base import StoreUnavailable

    healthy = ElasticsearchStore(index_prefix=prefix, client=Elasticsearch(es_url), bulk=FAST)
    batch = mentions(3, tag="shard")
    assert all(r.ok for r in healthy.upsert(batch))
    store = ElasticsearchStore(index_prefix=prefix, client=_loses_a_shard(es_url), bulk=FAST)
    with pytest.raises(StoreUnavailable, match="part of the index"):
        store.get([m.id for m in batch])
    assert len(healthy.get([m.id for m in batch])) == 3


def test_a_post_dated_when_collected_is_not_stored_twice_when_part_of_the_alias_is_down(es_url: str, prefix: str):
    """Looking across months for a post dated when collected, an answer from some shards only may have
    missed its copy: that post waits (fails, to be parked) rather than being stored a second time. Every
    other post is written: its time comes from its source, so no other month is looked in. Injected: a
    single healthy node has no shard to lose."""
    from elasticsearch import Elasticsearch

    healthy = ElasticsearchStore(index_prefix=prefix, client=Elasticsearch(es_url), bulk=FAST)
    (undated,) = (m.model_copy(update={"extra": {DATED_BY: COLLECTED}}) for m in mentions(1, tag="feed"))
    assert all(r.ok for r in healthy.upsert([undated]))
    next_month = undated.model_copy(update={"created_at": undated.created_at + timedelta(days=40)})
    dated = mentions(2, start=5, tag="dated")
    store = ElasticsearchStore(index_prefix=prefix, client=_loses_a_shard(es_url), bulk=FAST)
    results = {r.id: r for r in store.upsert([next_month, *dated])}
    assert not results[undated.id].ok and "another month" in (results[undated.id].error or "")
    assert all(results[m.id].ok for m in dated)
    healthy._refresh()
    assert healthy.count() == 3 and healthy.get([undated.id])[0].created_at == undated.created_at
    assert all(r.ok for r in healthy.upsert([next_month])) and healthy.count() == 3


def test_cursor_pages_stay_stable_under_concurrent_writes(es_store: ElasticsearchStore):
    """Engagement order, where a re-collect moves posts: between page one and "more", the last post gets the most
    likes and the first the fewest, and new posts arrive. Every post of page one's search is listed once, in page
    one's order. Before, the point in time opened only at page two, which read the live alias: the last post
    jumped above the read position (never listed) and the first fell below it (listed twice)."""
    posts = [m.model_copy(update={"engagement": Engagement(likes=100 - i)}) for i, m in enumerate(mentions(25))]
    list(es_store.upsert(posts))
    first = es_store.search(Filters(brand="acme"), size=10, sort="engagement")
    assert first.next_cursor and first.total == 25
    recollected = [posts[-1].model_copy(update={"engagement": Engagement(likes=1000)}),
                   posts[0].model_copy(update={"engagement": Engagement(likes=0)})]
    arrived = [m.model_copy(update={"engagement": Engagement(likes=50)}) for m in mentions(5, tag="new")]
    assert all(r.ok for r in es_store.upsert(recollected + arrived))
    es_store._refresh()
    assert [h.mention.id for h in es_store.search(Filters(brand="acme"), size=1, sort="engagement").hits] == [
        posts[-1].id]  # the live order did change
    seen = [h.mention.id for h in first.hits]
    cursor = first.next_cursor
    while cursor:
        page = es_store.search(Filters(brand="acme"), size=10, sort="engagement", cursor=cursor)
        seen += [h.mention.id for h in page.hits]
        cursor = page.next_cursor
    assert seen == [m.id for m in posts]


def test_cursor_of_another_sort_is_refused(es_store: ElasticsearchStore):
    list(es_store.upsert(mentions(5)))
    page = es_store.search(Filters(), size=2, sort="oldest")
    with pytest.raises(ValueError, match="cursor"):
        es_store.search(Filters(), size=2, sort="newest", cursor=page.next_cursor)


def test_bad_query_text_is_a_syntax_error_not_a_backend_error(es_store: ElasticsearchStore):
    with pytest.raises(QuerySyntaxError):
        es_store.count(Filters(text="acme AND (refund"))


def test_relevance_sort_ranks_matches(es_store: ElasticsearchStore):
    list(es_store.upsert(mentions(5)))
    extra = Mention(
        source="x", native_id="r1", text="refund refund refund Acme", created_at=T0 - timedelta(days=1), brand="acme"
    )
    list(es_store.upsert([extra]))
    page = es_store.search(Filters(text="refund OR mention"), size=10, sort="relevance")
    assert page.total == 6
    assert all(h.score is not None for h in page.hits)
    assert page.hits[0].mention.id == "x:r1"


@pytest.mark.slow
def test_node_killed_mid_bulk_loses_nothing_and_duplicates_nothing(es_node, es_url: str, prefix: str):
    if es_node is None:
        pytest.skip("GROUNDSWELL_ES_URL points at an external cluster, which this test must not kill")
    from elasticsearch import Elasticsearch

    calls = {"n": 0}

    class KillsTheNode(Elasticsearch):
        def bulk(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                es_node.stop(kill=True)  # SIGKILL, as a crash or OOM kill would
            return super().bulk(*args, **kwargs)

    batch = mentions(600, tag="k")
    client = KillsTheNode(es_url, retry_on_status=(), max_retries=1, request_timeout=10)
    store = ElasticsearchStore(
        index_prefix=prefix, client=client, bulk=BulkPolicy(chunk_size=100, max_retries=2, initial_backoff=0.1)
    )
    try:
        results = list(store.upsert(batch))
    finally:
        if es_node.proc is None:
            es_node.start()
    assert sorted(r.id for r in results) == sorted(m.id for m in batch)  # every mention answered for
    acked = {r.id for r in results if r.ok}
    assert len(acked) == 200  # the two chunks before the kill
    assert all(r.error for r in results if not r.ok)

    store = ElasticsearchStore(es_url, index_prefix=prefix)
    store._refresh()
    survived = {m.id for m in store.get(sorted(acked))}
    assert survived == acked  # what was reported stored survived the crash
    rerun = list(store.upsert(batch))
    assert all(r.ok for r in rerun)
    assert store.count() == 600
    agg = store.client.search(
        index=store.alias, size=0, aggs={"dup": {"terms": {"field": "id", "min_doc_count": 2, "size": 10}}}
    ).body
    assert agg["aggregations"]["dup"]["buckets"] == []
    store.close()


def test_template_falls_back_when_the_key_cannot_list_modules(es_url: str, prefix: str):
    # An API key without cluster-monitor rights cannot ask _nodes/plugins; the store then tries the
    # language analyzers and, if the cluster refuses them (as the integ-test node does), goes without.
    class NoMonitorRights(ElasticsearchStore):
        def engine_modules(self):
            raise _api_error(403)

    store = NoMonitorRights(es_url, index_prefix=prefix)
    assert all(r.ok for r in store.upsert(mentions(3)))
    assert store.count(Filters(text="mention")) == 3
    store.close()


def test_totals_sum_engagement_and_reach(es_store: ElasticsearchStore):
    batch = [
        m.model_copy(update={"engagement": Engagement(likes=i, replies=2), "author": Author(followers=10 * i)})
        for i, m in enumerate(mentions(8))
    ]
    list(es_store.upsert(batch))
    f = Filters(since=T0 + timedelta(minutes=2))
    want = [m for m in batch if m.created_at >= f.since]
    assert es_store.totals(f) == {
        "mentions": len(want),
        "engagement": sum(m.engagement.total for m in want),
        "reach": sum(m.reach for m in want),
    }


def test_indices_from_before_accent_folding_are_migrated_on_open(es_url: str, prefix: str):
    """Indices made by the previous template (no `text_folded`) get the field mapped and filled on open."""
    from elasticsearch import Elasticsearch

    from indexing.elasticsearch_mapping import SEARCH_FIELD, mentions_mappings, month_index, to_document

    client = Elasticsearch(es_url)
    old_mappings = mentions_mappings(language_analyzers=False)
    del old_mappings["properties"][SEARCH_FIELD]
    docs = [
        Mention(source="x", native_id=f"old{i}", text=text, created_at=T0 + timedelta(days=31 * i), brand="acme")
        for i, text in enumerate(["La batería dura poco", "Lumorá nueva", "nothing here"])
    ]
    for m in docs:  # two monthly indices, as the previous version wrote them
        index = month_index(prefix, m.created_at)
        if not client.indices.exists(index=index):
            client.indices.create(index=index, mappings=old_mappings, aliases={f"{prefix}-mentions": {}})
        source = to_document(m)
        del source[SEARCH_FIELD]
        client.index(index=index, id=m.id, document=source, refresh=True)

    store = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        assert [m.native_id for m in store.iter_mentions(Filters(text="bateria"))] == ["old0"]
        assert [m.native_id for m in store.iter_mentions(Filters(text="LUMORA"))] == ["old1"]
        assert store.get([docs[0].id]) == [docs[0]]  # the derived field never leaks into the Mention
        # New writes into a migrated index carry the field too (dynamic: strict would reject it unmapped).
        new = Mention(source="x", native_id="new0", text="otra batería", created_at=T0, brand="acme")
        assert all(r.ok for r in store.upsert([new]))
        assert store.count(Filters(text="bateria")) == 2
        # Idempotent: a second open finds nothing left to fill.
        from indexing.elasticsearch_migrate import add_search_field

        assert add_search_field(store) == 0
    finally:
        store.close()
        client.close()
