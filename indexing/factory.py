"""The store a config names: the one place that maps `store.type` to a Store class."""

from __future__ import annotations

from indexing.base import Store
from indexing.config import ElasticsearchStoreConfig, SqliteStoreConfig
from indexing.sqlite import SqliteStore

StoreConfig = SqliteStoreConfig | ElasticsearchStoreConfig


def open_store(store: StoreConfig, read_only: bool = False) -> Store:
    """The store the config's `store` section names (SQLite by default, Elasticsearch when configured).
    `read_only` (Elasticsearch only): opened without `setup`'s writes, its writes refused
    (`indexing.elasticsearch_readonly`: NotReadable when it is missing or needs an upgrade)."""
    if isinstance(store, ElasticsearchStoreConfig):
        from indexing.elasticsearch import ElasticsearchStore  # lazy: the elasticsearch client is optional and heavy
        from indexing.elasticsearch_readonly import ReadOnlyElasticsearchStore  # lazy: as above

        cls = ReadOnlyElasticsearchStore if read_only else ElasticsearchStore
        return cls(index_prefix=store.index_prefix, connection=store.connection(), request_timeout=store.timeout_s)
    return SqliteStore(store.path)
