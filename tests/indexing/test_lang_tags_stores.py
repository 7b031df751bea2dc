"""One spelling per language on both stores (SQLite, Elasticsearch on a real node): source tags such as `ko-KR`,
`KO`, `zh-Hant` are stored as base codes, so the language facet, the `lang=` filter and the `lang:` query agree;
posts without a language are selectable as `unknown` (filter and query); `store migrate` rewrites tags an older
version stored as written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from test_store_contract import STORES, _open_store

from core.mention import Mention
from groundswell.brands import reattribute
from groundswell.config import BrandConfig
from indexing.base import Filters, Store

T0 = datetime(2026, 4, 2, tzinfo=UTC)
TAGS = ["ko", "ko", "KO", "ko-KR", "ko_KR", "zh-TW", "zh-Hant", "zh", "it-IT", "ru-RU", "en", None, None]


def _posts() -> list[Mention]:
    return [Mention(source="import", native_id=f"p{i}", text=f"Lumora post {i}", created_at=T0, lang=tag,
                    brands=["Lumora"]) for i, tag in enumerate(TAGS)]


@pytest.fixture(params=STORES)
def store(request, tmp_path) -> Iterator[Store]:
    for opened in _open_store(request.param, request, tmp_path):
        assert all(r.ok for r in opened.upsert(_posts()))
        yield opened


def test_source_tags_are_stored_as_base_codes_and_every_view_agrees(store):
    facet = store.facet(Filters(), "lang")
    assert facet == {"ko": 5, "zh": 3, "unknown": 2, "en": 1, "it": 1, "ru": 1}
    for lang, n in facet.items():
        assert store.count(Filters(lang=lang)) == n, lang
        assert store.count(Filters(text=f"lang:{lang}")) == n, lang
    # A tag as a source writes it selects the same posts.
    assert store.count(Filters(lang="ko-KR")) == store.count(Filters(text="lang:ko-KR")) == 5


def test_unknown_selects_the_posts_without_a_language(store):
    ids = {m.id for m in store.iter_mentions(Filters(lang="unknown"))}
    assert ids == {"import:p11", "import:p12"}
    assert {m.id for m in store.iter_mentions(Filters(text="lang:unknown"))} == ids
    assert store.count(Filters(text="Lumora -lang:unknown")) == len(TAGS) - 2


def _write_raw_tags(store: Store) -> None:
    """Put tags back as an older version stored them (as the source wrote them)."""
    if store.__class__.__name__ == "SqliteStore":
        with store._conn() as conn:  # the column the filters and facets read, and the stored document
            conn.execute("UPDATE mentions SET lang = 'ko-KR', doc = json_set(doc, '$.lang', 'ko-KR') "
                         "WHERE id IN ('import:p0', 'import:p1')")
            conn.execute("UPDATE mention_brands SET lang = 'ko-KR' WHERE mention_rowid IN "
                         "(SELECT rowid FROM mentions WHERE id IN ('import:p0', 'import:p1'))")
    else:
        hits = store.client.search(index=store.alias, query={"ids": {"values": ["import:p0", "import:p1"]}})
        for hit in hits["hits"]["hits"]:  # this node has no reindex module (no _update_by_query): each by id
            store.client.index(index=hit["_index"], id=hit["_id"], document={**hit["_source"], "lang": "ko-KR"},
                               refresh=True)


def test_store_migrate_rewrites_tags_stored_as_written(store):
    _write_raw_tags(store)
    assert store.facet(Filters(), "lang")["ko-KR"] == 2
    report = reattribute(store, [BrandConfig(name="Lumora", query="Lumora")])
    assert report.langs_normalised == 5 and report.failed == 0
    assert store.facet(Filters(), "lang")["ko"] == 5 and "ko-KR" not in store.facet(Filters(), "lang")
    assert reattribute(store, [BrandConfig(name="Lumora", query="Lumora")]).langs_normalised == 0
