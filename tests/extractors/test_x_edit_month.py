"""An X post edited across a month boundary stays one stored post: every version is stored under the original's id
(`extractors.x.post_id`) and dated when the original was written. Dated by the edit, Elasticsearch (monthly indices)
filed the edit into the next month's index beside the original: two documents under one id, `get` returning the
stale text and a search the id twice. The X API on a local server (tweepy as in production), a real SQLite store and
a real Elasticsearch node (tests/es_node.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node per session)
from extractor_support import X_ARCHIVE, Reply, run_collection

from extractors.base import Window
from extractors.x import XExtractor, snowflake_at
from indexing.base import Filters
from indexing.sqlite import SqliteStore

WRITTEN = datetime(2025, 3, 31, 23, 40, 0, 400_000, tzinfo=UTC)  # 20 minutes before April
EDITED = datetime(2025, 4, 1, 0, 5, 0, 700_000, tzinfo=UTC)
ORIGINAL_ID, EDIT_ID = snowflake_at(WRITTEN), snowflake_at(EDITED)
USERS = {"users": [{"id": "9", "username": "acme_fan", "name": "Fan"}]}


def _at(month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def _tweet(tid: str, when: datetime, text: str, history: list[str]) -> dict:
    # X writes created_at to the second (the snowflake's milliseconds dropped), as its recorded answers show.
    return {"id": tid, "text": text, "created_at": f"{when:%Y-%m-%dT%H:%M:%S}.000Z", "author_id": "9",
            "edit_history_tweet_ids": history}  # fmt: skip


ORIGINAL = _tweet(ORIGINAL_ID, WRITTEN, "acme battery fire", [ORIGINAL_ID])
EDIT = _tweet(EDIT_ID, EDITED, "acme battery fire (edited: it was a charger)", [ORIGINAL_ID, EDIT_ID])


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "g.db")
    yield store
    store.close()


@pytest.fixture
def es_store(es_url: str) -> Iterator[object]:  # noqa: F811
    from indexing.elasticsearch import ElasticsearchStore  # lazy: only the Elasticsearch case needs the client

    store = ElasticsearchStore(es_url, index_prefix=f"gs-test-{uuid.uuid4().hex[:8]}")
    try:
        yield store
    finally:
        delete_prefix(store.client, store.prefix)
        store.close()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("es", marks=pytest.mark.elasticsearch)])
def test_a_post_edited_across_a_month_boundary_is_one_post_dated_when_it_was_written(server, policy, request, kind):
    store = request.getfixturevalue(f"{kind}_store")
    # Scheduled runs (the ingest DAG's windows): one before the edit, one after it (search sends the latest version).
    runs = [(ORIGINAL, _at(3, 31, 23, 30), _at(3, 31, 23, 45)), (EDIT, _at(3, 31, 23, 45), _at(4, 1, 0, 15))]
    for version, since, until in runs:
        server.route(X_ARCHIVE, Reply(200, {"data": [version], "includes": USERS, "meta": {"result_count": 1}}))
        extractor = XExtractor({"api_base_url": server.base, "endpoint": "all"}, env={"X_BEARER_TOKEN": "t"})
        extractor.retry = policy
        # The edit is judged by the window as the version X listed (00:05), though dated by the original (23:40,
        # before this window and before the cursor's reach): kept, not dropped as older than the window.
        window = Window(since, until, follows_cursor=True)
        stored, batches = run_collection(extractor, store, "x", "acme", "acme", window)
        (read,) = [m for batch in batches for m in batch.mentions]
        # Each version as collected: the original's id and the time the original was written (X's created_at is
        # to the second); before, the edit came dated 2025-04-01 00:05.
        assert (read.id, read.created_at) == (f"x:{ORIGINAL_ID}", WRITTEN.replace(microsecond=0))
        assert stored == 1
    everything = Filters(include_spam=True)
    assert store.count(everything) == 1
    (got,) = store.get([f"x:{ORIGINAL_ID}"])
    assert got.text == EDIT["text"] and got.extra["version_id"] == EDIT_ID
    assert got.created_at == WRITTEN.replace(microsecond=0)
    hits = [hit.mention.id for hit in store.search(Filters(text="battery", include_spam=True), size=10).hits]
    assert hits == [f"x:{ORIGINAL_ID}"]
