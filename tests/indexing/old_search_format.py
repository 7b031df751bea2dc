"""Stores written in an older search-document format, for the upgrade tests of each format change.

A SQLite store whose FTS index holds `old_document(text)` at an older `PRAGMA user_version`, and an
Elasticsearch index holding only an older search field: the current code must answer queries right once it
opens them (rebuild, or fill the new field)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from core.mention import Mention
from indexing.base import Filters, Store


def sqlite_in_old_format(path: Path, corpus: list[Mention], old_document: Callable[[str], str], version: int) -> None:
    """Write `corpus` to a SQLite store at `path` whose FTS index holds `old_document` at FTS `version`."""
    from indexing.sqlite import SqliteStore  # lazy: only the SQLite tests need it

    old = SqliteStore(path)
    assert all(r.ok for r in old.upsert(corpus))
    conn = old._conn()
    conn.execute("DELETE FROM mentions_fts")
    for rowid, text in conn.execute("SELECT rowid, text FROM mentions").fetchall():
        conn.execute("INSERT INTO mentions_fts(rowid, doc) VALUES (?, ?)", (rowid, f" {old_document(text)} "))
    conn.execute(f"PRAGMA user_version = {int(version)}")
    old.close()


@contextmanager
def es_in_old_format(es_url: str, corpus: list[Mention], old_document: Callable[[str], str], old_field: str,
                     month: datetime) -> Iterator[Store]:
    """An Elasticsearch store over a fresh index holding `corpus` with only `old_field` (= `old_document`) as its
    search field, as the older format wrote it; opened by the current code, deleted afterwards."""
    from elasticsearch import Elasticsearch  # lazy: only the Elasticsearch tests need it
    from es_node import delete_prefix  # lazy: test support for a node the session started

    from indexing.elasticsearch import ElasticsearchStore  # lazy: as above
    from indexing.elasticsearch_mapping import (  # lazy: as above
        SEARCH_FIELD,
        mentions_mappings,
        month_index,
        to_document,
    )

    assert SEARCH_FIELD != old_field
    prefix = f"gs-test-{uuid.uuid4().hex[:8]}"
    client = Elasticsearch(es_url)
    old_mappings = mentions_mappings(language_analyzers=False)
    old_mappings["properties"][old_field] = old_mappings["properties"].pop(SEARCH_FIELD)
    index = month_index(prefix, month)
    client.indices.create(index=index, mappings=old_mappings, aliases={f"{prefix}-mentions": {}})
    for m in corpus:  # as the old format wrote them: its own field only
        source = to_document(m)
        del source[SEARCH_FIELD]
        source[old_field] = old_document(m.text)
        client.index(index=index, id=m.id, document=source, refresh=True)
    store = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        yield store
    finally:
        store.close()
        delete_prefix(client, prefix)
        client.close()


def assert_answers(store: Store, queries: Iterable[str], want: Callable[[str], set[str]]) -> None:
    """Each query finds exactly `want(query)`, in its listing and its count."""
    for query in queries:
        assert {m.id for m in store.iter_mentions(Filters(text=query))} == want(query), query
        assert store.count(Filters(text=query)) == len(want(query)), query
