"""A store records the oldest code format that reads it (`indexing.reader_format`); a version older than that
refuses it in one line before writing anything (rolling back to 4 Dec stored 1,022 posts, then crashed on
`brand_themes`). Real SQLite and a real Elasticsearch node."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from core.mention import Mention
from indexing import reader_format
from indexing.reader_format import READER_FORMAT, StoreTooNew
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _post() -> Mention:
    return Mention(source="x", native_id="1", text="acme broke", created_at=T0, brands=["acme"])


def test_a_sqlite_store_records_the_reader_format_and_a_newer_one_is_refused_untouched(tmp_path):
    db = tmp_path / "g.db"
    store = SqliteStore(db)
    assert [r.ok for r in store.upsert([_post()])] == [True]
    store.close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value FROM store_meta WHERE name = 'reader_format'").fetchone() == (
        str(READER_FORMAT),)
    # What a later version, whose format this one cannot read, leaves behind.
    conn.execute("UPDATE store_meta SET value = ? WHERE name = 'reader_format'", (str(READER_FORMAT + 1),))
    conn.execute("DROP TABLE mention_intent")  # an open that went on would make it again (`_migrate_intent_tags`)
    conn.commit()
    conn.close()
    with pytest.raises(StoreTooNew) as refused:
        SqliteStore(db)
    message = str(refused.value)
    assert "\n" not in message and str(db) in message
    assert f"format {READER_FORMAT + 1}" in message and f"format {READER_FORMAT} at most" in message
    with sqlite3.connect(db) as conn:  # nothing written, the format not lowered
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'mention_intent'").fetchone()
        assert conn.execute("SELECT value FROM store_meta").fetchone() == (str(READER_FORMAT + 1),)
        assert conn.execute("SELECT count(*) FROM mentions").fetchone() == (1,)


def test_a_store_from_before_the_reader_format_is_opened_and_records_it(tmp_path):
    db = tmp_path / "g.db"
    SqliteStore(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE store_meta")  # as every version before 6 Dec left a store
    store = SqliteStore(db)
    assert store.count() == 0
    store.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM store_meta").fetchone() == (str(READER_FORMAT),)


@pytest.mark.elasticsearch
def test_an_elasticsearch_store_from_a_newer_version_is_refused_before_setup_writes(es_store, es_url):
    from indexing.elasticsearch import ElasticsearchStore
    from indexing.elasticsearch_migrate import READER_META

    client = es_store.client
    meta = client.indices.get_mapping(index=es_store.state_index).body
    assert next(iter(meta.values()))["mappings"]["_meta"][READER_META] == READER_FORMAT
    client.indices.put_mapping(index=es_store.state_index, meta={READER_META: READER_FORMAT + 1})
    client.indices.delete_index_template(name=es_store.alias)  # setup would put it back: it must not run
    with pytest.raises(StoreTooNew) as refused:
        ElasticsearchStore(es_url, index_prefix=es_store.prefix)
    assert es_store.prefix in str(refused.value) and f"format {READER_FORMAT + 1}" in str(refused.value)
    assert not client.indices.exists_index_template(name=es_store.alias)
    assert reader_format.parse(
        next(iter(client.indices.get_mapping(index=es_store.state_index).body.values()))["mappings"]["_meta"][
            READER_META]) == READER_FORMAT + 1
