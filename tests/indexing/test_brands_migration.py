"""Stores written before multi-brand mentions: opening them moves `brand` to `brands`, and
`groundswell store migrate` re-attributes every stored mention to every brand whose query it matches."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from click.testing import CliRunner

from core.query import fts5_document
from groundswell.cli import cli
from groundswell.config import parse_config
from groundswell.pipeline import migrate_brands
from indexing.base import Filters
from indexing.elasticsearch_mapping import month_index
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
BRANDS = [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique"}]
# (native id, text, the one brand the old layout stored it under)
OLD = [
    ("1", "Lumora beats Sonique", "Sonique"),  # names both: the old store kept it under the last pass only
    ("2", "Lumora only", "Lumora"),
    ("3", "Sonique only", "Sonique"),
    ("4", "sonique and LUMORA", "Lumora"),  # names both
]
OLD_INDEXES = ("mentions_brand_time", "mentions_brand_eng", "mentions_brand_time_cover")


def _legacy_record(native_id: str, text: str, brand: str, i: int) -> dict:
    """A mention as the old layout wrote it: one `brand` and its `query`."""
    return {
        "id": f"x:{native_id}", "source": "x", "native_id": native_id, "url": None, "text": text,
        "created_at": (T0 + timedelta(hours=i)).isoformat(), "collected_at": None,
        "author": {"id": None, "handle": f"u{i}", "name": None, "followers": 10},
        "engagement": {"likes": 1, "reposts": None, "replies": None, "quotes": None},
        "brand": brand, "query": brand, "lang": "en", "sentiment": None, "themes": [], "extra": {},
    }  # fmt: skip


def _legacy_sqlite(path) -> None:
    """A SQLite store as the old layout left it: brand in `mentions.brand`, its indexes, no mention_brands rows."""
    SqliteStore(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.create_function("gs_fts_doc", 1, fts5_document, deterministic=True)
    conn.execute("DELETE FROM mention_brands")
    conn.execute("DROP TABLE mention_brands")
    conn.execute("CREATE INDEX mentions_brand_time ON mentions(brand, created_at, sentiment)")
    conn.execute("CREATE INDEX mentions_brand_eng ON mentions(brand, engagement)")
    conn.execute("CREATE INDEX mentions_brand_time_cover ON mentions(brand, created_at, sentiment, lang, source)")
    for i, (native_id, text, brand) in enumerate(OLD):
        record = _legacy_record(native_id, text, brand, i)
        conn.execute(
            "INSERT INTO mentions (id, source, brand, lang, created_at, author_handle, author_followers, engagement, "
            "enriched, text, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (record["id"], "x", brand, "en", int((T0 + timedelta(hours=i)).timestamp()), f"u{i}", 10, 1, 0, text,
             json.dumps(record)),
        )  # fmt: skip
    conn.close()


def _config(tmp_path):
    return parse_config({"brands": BRANDS, "store": {"type": "sqlite", "path": str(tmp_path / "g.db")}})


def _check_moved(store) -> None:
    """After opening: every mention has the brand the old layout gave it, under `brands`."""
    assert {m.id: m.brands for m in store.iter_mentions()} == {f"x:{n}": [b] for n, _, b in OLD}
    assert store.facet(Filters(), "brand") == {"Lumora": 2, "Sonique": 2}
    assert store.count(Filters(brand="Lumora")) == 2


def _check_reattributed(store, report) -> None:
    assert (report.scanned, report.gained, report.failed) == (4, 2, 0)
    assert report.gained_by_brand == {"Lumora": 1, "Sonique": 1}
    got = {m.id: m for m in store.iter_mentions()}
    assert {i: m.brands for i, m in got.items()} == {
        "x:1": ["Lumora", "Sonique"], "x:2": ["Lumora"], "x:3": ["Sonique"], "x:4": ["Lumora", "Sonique"],
    }  # fmt: skip
    assert got["x:1"].matches == {"Lumora": "Lumora", "Sonique": "Sonique"}
    assert store.facet(Filters(), "brand") == {"Lumora": 3, "Sonique": 3}
    assert store.count(Filters(brand="Sonique", since=T0, until=T0 + timedelta(days=1))) == 3


def test_sqlite_store_from_before_multibrand_is_moved_then_reattributed(tmp_path):
    _legacy_sqlite(tmp_path / "g.db")
    store = SqliteStore(tmp_path / "g.db")  # opening moves brand -> mention_brands
    _check_moved(store)
    conn = sqlite3.connect(tmp_path / "g.db")
    assert conn.execute("SELECT count(*) FROM mentions WHERE brand IS NOT NULL").fetchone() == (0,)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert not names & set(OLD_INDEXES)
    conn.close()
    report = migrate_brands(_config(tmp_path), store)
    _check_reattributed(store, report)
    again = migrate_brands(_config(tmp_path), store)  # idempotent
    assert (again.scanned, again.updated, again.gained) == (4, 0, 0)
    store.close()
    assert {m.id: m.brands for m in SqliteStore(tmp_path / "g.db").iter_mentions()}["x:1"] == ["Lumora", "Sonique"]


def test_store_migrate_command(tmp_path):
    _legacy_sqlite(tmp_path / "g.db")
    config = tmp_path / "gs.yaml"
    config.write_text(yaml.safe_dump({"brands": BRANDS, "store": {"type": "sqlite", "path": str(tmp_path / "g.db")}}))
    first = CliRunner().invoke(cli, ["store", "migrate", "--config", str(config), "--no-progress"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.output.strip().splitlines()[-1])
    assert (summary["moved_on_open"], summary["scanned"], summary["gained"]) == (4, 4, 2)
    assert summary["gained_by_brand"] == {"Lumora": 1, "Sonique": 1}
    again = CliRunner().invoke(cli, ["store", "migrate", "--config", str(config), "--no-progress"])
    assert json.loads(again.output.strip().splitlines()[-1]) | {"gained_by_brand": {}} == {
        "moved_on_open": 0, "scanned": 4, "updated": 0, "gained": 0, "gained_by_brand": {}, "failed": 0, "errors": [],
        "langs_normalised": 0,
    }  # fmt: skip


@pytest.mark.elasticsearch
def test_elasticsearch_store_from_before_multibrand_is_moved_then_reattributed(es_url, tmp_path):
    from es_node import delete_prefix

    from indexing.elasticsearch import ElasticsearchStore

    prefix = f"gs-legacy-{uuid.uuid4().hex[:8]}"
    first = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        # An index as the old template made it: `brand` and `query` mapped, documents carrying them.
        index = month_index(prefix, T0)
        first.client.indices.create(
            index=index, mappings={"properties": {"brand": {"type": "keyword"}, "query": {"type": "keyword"}}}
        )
        for i, (native_id, text, brand) in enumerate(OLD):
            doc = _legacy_record(native_id, text, brand, i)
            doc["engagement"]["total"] = 1
            first.client.index(index=index, id=doc["id"], document=doc)
        first.client.indices.refresh(index=index)
        assert first.count(Filters(brand="Lumora")) == 0  # not yet moved: the filter reads `brands`
        store = ElasticsearchStore(es_url, index_prefix=prefix)  # opening moves brand -> brands
        assert store.legacy_brands_moved == len(OLD)
        _check_moved(store)
        raw = store.client.get(index=index, id="x:1").body["_source"]
        assert "brand" not in raw and "query" not in raw and raw["brands"] == ["Sonique"]
        report = migrate_brands(_config(tmp_path), store)
        _check_reattributed(store, report)
        again = migrate_brands(_config(tmp_path), store)
        assert (again.scanned, again.updated, again.gained) == (4, 0, 0)
    finally:
        delete_prefix(first.client, prefix)
        first.close()
