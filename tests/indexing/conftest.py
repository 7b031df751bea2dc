"""Stores for the indexing tests: the embedded SQLite store and Elasticsearch on a real node."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node per session)


@pytest.fixture
def es_store(es_url: str) -> Iterator[object]:  # noqa: F811
    """A fresh ElasticsearchStore with its own index prefix, removed afterwards."""
    from indexing.elasticsearch import ElasticsearchStore

    prefix = f"gs-test-{uuid.uuid4().hex[:8]}"
    store = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        yield store
    finally:
        delete_prefix(store.client, prefix)
        store.close()


@pytest.fixture
def prefix(es_url: str) -> Iterator[str]:  # noqa: F811
    """An index prefix of the test's own on the session's Elasticsearch node; its indices are deleted afterwards."""
    from elasticsearch import Elasticsearch  # lazy: the client only for the Elasticsearch tests

    name = f"gs-test-{uuid.uuid4().hex[:8]}"
    yield name
    client = Elasticsearch(es_url)
    delete_prefix(client, name)
    client.close()
