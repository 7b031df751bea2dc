"""Both stores for the indexing tests that run once per store: the embedded SQLite store and Elasticsearch on a
real node (the `es_url` session fixture, tests/es_node.py), each fresh and removed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.mention import Mention
from indexing.base import Store

# Elasticsearch only under its marker: `-m "not elasticsearch"` runs the SQLite half alone.
STORES = ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]


def open_store(kind: str, request: pytest.FixtureRequest, tmp_dir: Path, prefix: str = "gs-test") -> Iterator[Store]:
    """Yield a fresh `kind` store ("sqlite": tmp_dir/gs.db; "elasticsearch": indices `<prefix>-<random>`), then
    close it (and delete its Elasticsearch indices). Use with `yield from` in a fixture."""
    if kind == "sqlite":
        from indexing.sqlite import SqliteStore  # lazy: as the fixtures did, only the store a test asks for

        store = SqliteStore(tmp_dir / "gs.db")
        yield store
        store.close()
    else:
        from es_node import delete_prefix  # lazy: the Elasticsearch client only for the Elasticsearch half

        from indexing.elasticsearch import ElasticsearchStore  # lazy: as above

        es_url = request.getfixturevalue("es_url")
        store = ElasticsearchStore(es_url, index_prefix=f"{prefix}-{uuid.uuid4().hex[:8]}")
        yield store
        delete_prefix(store.client, store.prefix)
        store.close()


def es_index_without(client, prefix: str, field: str, old: Mention) -> None:
    """The month index of `old` under `prefix`, mapped and written as a version before `field` made it: no
    mapping for `field` (the mappings are strict) and `old` stored without it."""
    from indexing.elasticsearch_mapping import mentions_mappings, month_index, to_document  # lazy: as above

    old_mappings = mentions_mappings(language_analyzers=False)
    del old_mappings["properties"][field]  # as the previous version made its indices
    index = month_index(prefix, old.created_at)
    client.indices.create(index=index, mappings=old_mappings, aliases={f"{prefix}-mentions": {}})
    source = to_document(old)
    del source[field]
    client.index(index=index, id=old.id, document=source, refresh=True)
