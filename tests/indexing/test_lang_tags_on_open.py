"""A store an older version wrote keeps its language tags as the source wrote them (`ko-KR`); opening it rewrites
them as base codes once (SQLite `indexing/sqlite_lang.py`, Elasticsearch `indexing/elasticsearch_lang_migrate.py`),
so on the next open the language facet, the `lang=` filter and the `lang:` query agree without `store migrate`.
Before, the facet listed `ko-KR: 2, ko: 3`, `lang=ko` counted 3 and `lang:ko` 5. Real SQLite, real Elasticsearch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from test_lang_tags_stores import _posts, _write_raw_tags
from test_store_contract import STORES, _open_store

from indexing.base import Filters, Store


def _reopen(store: Store) -> Store:
    """The same store opened again, as the next process (a CLI run, the dashboard) opens it."""
    if store.__class__.__name__ == "SqliteStore":
        from indexing.sqlite import SqliteStore  # lazy: only the SQLite parameter needs it

        return SqliteStore(store.path)
    from indexing.elasticsearch import ElasticsearchStore  # lazy: elasticsearch is imported only for its parameter

    return ElasticsearchStore(client=store.client, index_prefix=store.prefix)


@pytest.fixture(params=STORES)
def old_store(request, tmp_path) -> Iterator[Store]:
    """A store holding `ko-KR` on two of its five Korean posts, as an older version wrote them."""
    for opened in _open_store(request.param, request, tmp_path):
        assert all(r.ok for r in opened.upsert(_posts()))
        _write_raw_tags(opened)
        if request.param == "sqlite":  # a store from before the step has no record of it
            opened._conn().execute("DROP TABLE store_steps")
        assert opened.facet(Filters(), "lang")["ko-KR"] == 2  # as the older version left it
        yield opened


def _views_agree(store: Store) -> None:
    for filters in (Filters(), Filters(brand="Lumora")):  # all posts, and one brand's (its own rows on SQLite)
        facet = store.facet(filters, "lang")
        assert facet["ko"] == 5 and "ko-KR" not in facet
        for lang, n in facet.items():
            by_filter = store.count(replace(filters, lang=lang))
            by_query = store.count(replace(filters, text=f"lang:{lang}"))
            assert by_filter == by_query == n, lang
        assert store.count(replace(filters, lang="ko-KR")) == 5


def test_opening_an_old_store_rewrites_its_tags_once(old_store: Store) -> None:
    reopened = _reopen(old_store)
    assert reopened.langs_normalised == 2
    _views_agree(reopened)
    assert {m.lang for m in reopened.iter_mentions(Filters(lang="ko"))} == {"ko"}  # the stored document too
    again = _reopen(old_store)
    assert again.langs_normalised == 0  # once: a later open finds nothing to do
    _views_agree(again)
