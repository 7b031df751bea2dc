"""The reader-format stamp is raised before the first migration step (`indexing.reader_format`): a future step that
rewrites data for a raised format, killed part-way, must leave a store older versions refuse. The steps are private
calls inside the store's open, with no hook: each test wraps one step (monkeypatch) to look at the stamp from within
it, or to fail there as a crash would. Real SQLite and a real Elasticsearch node."""

from __future__ import annotations

import sqlite3

import pytest

from indexing.base import StoreUnavailable
from indexing.reader_format import READER_FORMAT
from indexing.sqlite import SqliteStore


def _pre_stamp_store(db) -> None:
    """A store as every version before 6 Dec left it: no `store_meta`."""
    SqliteStore(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE store_meta")


def test_a_sqlite_migration_step_finds_the_stamp_raised(tmp_path, monkeypatch):
    db = tmp_path / "g.db"
    _pre_stamp_store(db)
    seen: list[object] = []
    step = SqliteStore._migrate_subsecond_times

    def looking(self) -> None:
        row = self._conn().execute("SELECT value FROM store_meta WHERE name = 'reader_format'").fetchone()
        seen.append(row[0] if row else None)
        step(self)

    monkeypatch.setattr(SqliteStore, "_migrate_subsecond_times", looking)
    SqliteStore(db).close()
    assert seen == [str(READER_FORMAT)]


def test_a_sqlite_open_killed_in_a_step_leaves_the_stamp_raised(tmp_path, monkeypatch):
    db = tmp_path / "g.db"
    _pre_stamp_store(db)

    def crashing(self) -> None:
        raise sqlite3.OperationalError("killed in the middle of a rewrite")

    monkeypatch.setattr(SqliteStore, "_migrate_fts", crashing)
    with pytest.raises(StoreUnavailable):
        SqliteStore(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM store_meta").fetchone() == (str(READER_FORMAT),)


@pytest.mark.elasticsearch
def test_an_elasticsearch_migration_step_finds_the_stamp_raised(es_store, es_url, monkeypatch):
    import indexing.elasticsearch as es_module
    from indexing.elasticsearch import ElasticsearchStore
    from indexing.elasticsearch_migrate import READER_META

    client = es_store.client
    client.indices.put_mapping(index=es_store.state_index, meta={})  # as every version before 6 Dec left it
    seen: list[object] = []
    step = es_module.add_search_field

    def looking(store) -> None:
        mapping = next(iter(client.indices.get_mapping(index=store.state_index).body.values()))["mappings"]
        seen.append(mapping.get("_meta", {}).get(READER_META))
        step(store)

    monkeypatch.setattr(es_module, "add_search_field", looking)
    ElasticsearchStore(es_url, index_prefix=es_store.prefix).close()
    assert seen == [READER_FORMAT]
