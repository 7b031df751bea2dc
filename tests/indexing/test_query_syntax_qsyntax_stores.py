"""Review s67 "querypro", findings 1 and 9, on both stores (SQLite, Elasticsearch on a real node): an exclusion typed
with an en dash, a minus sign or a full-width hyphen, and full-width parentheses and operators, find what the ASCII
query finds; Arabic and Persian letter variants (أ/ا, ى/ي, ی/ي, ک/ك, ة/ه) find one another; and a store written
before search document format 6 answers so once opened (SQLite rebuilds its FTS index, Elasticsearch fills
`text_folded_v6`). Every expectation is the matcher's (`Query.matches`) or written out here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from matcher_corpus import assert_store_finds_what_the_matcher_finds, corpus, filled_store, matcher_ids
from old_search_format import assert_answers, es_in_old_format, sqlite_in_old_format
from store_support import STORES

from core.mention import Mention
from core.query.document import sigil_tokens
from core.query.text import ARABIC_LETTERS, fold, tokenize
from indexing.base import Store

T0 = datetime(2026, 7, 1, tzinfo=UTC)

POSTS = [
    ("stock", "Apple stock is down today", "en"),
    ("shares", "apple shares rally", "en"),
    ("love", "I love my apple watch", "en"),
    ("ipad-battery", "the ipad battery lasts all day", "en"),
    ("iphone-battery", "iPhone battery drains fast", "en"),
    ("battery", "a battery recall", "en"),
    ("ar-hamza", "أبل تطلق آيفون جديد", "ar"),
    ("ar-plain", "ابل تطلق ايفون", "ar"),
    ("ar-library-ta", "زرت مكتبة الجامعة", "ar"),
    ("ar-library-ha", "زرت مكتبه الجامعة", "ar"),
    ("ar-ala", "الهاتف على الطاولة", "ar"),
    ("fa-yeh-kaf", "کتاب خوبی است ایران", "fa"),
    ("ar-yeh-kaf", "كتاب جيد ايران", "ar"),
    ("ar-tag", "رائع #أبل", "ar"),
    ("ar-other", "بابل مدينة قديمة", "ar"),
]
# Finding 1: each typed query and the ASCII one it must equal.
LOOKALIKES = [
    ("apple \u2013stock", "apple -stock"),
    ("apple \u2014stock", "apple -stock"),
    ("apple \u2212stock", "apple -stock"),
    ("apple \uff0dstock", "apple -stock"),
    ("apple \u2013(stock OR shares)", "apple -(stock OR shares)"),
    ("apple ＮＯＴ stock", "apple NOT stock"),
    ("（iphone OR ipad） battery", "(iphone OR ipad) battery"),
    ("apple ＯＲ battery", "apple OR battery"),
]
# Finding 9: every spelling of a word finds every spelling of it.
ARABIC_QUERIES = ["أبل", "ابل", "آيفون", "ايفون", "مكتبة", "مكتبه", "علي", "على", "کتاب", "كتاب", "ایران", "ايران",
                  "#ابل", "#أبل", '"أبل تطلق"', "ابل*", "بابل"]


def _ids(*keys: str) -> set[str]:
    return {f"import:{k}" for k in keys}


def _corpus() -> list[Mention]:
    return corpus(POSTS, T0)


def _want(query: str) -> set[str]:
    return matcher_ids(POSTS, query)


@pytest.fixture(scope="module", params=STORES)
def qsyntax_store(request, tmp_path_factory) -> Iterator[Store]:
    yield from filled_store(request, tmp_path_factory.mktemp("qsyntax"), _corpus())


def test_the_matcher_reads_them_as_written_and_as_meant() -> None:
    assert _want("apple \u2013stock") == _ids("love", "shares") == _want("apple -stock")
    assert _want("（iphone OR ipad） battery") == _ids("ipad-battery", "iphone-battery")
    assert _want("أبل") == _want("ابل") == _ids("ar-hamza", "ar-plain", "ar-tag")  # a word finds a #tag's word
    assert _want("آيفون") == _want("ايفون") == _ids("ar-hamza", "ar-plain")
    assert _want("مكتبة") == _want("مكتبه") == _ids("ar-library-ta", "ar-library-ha")
    assert _want("علي") == _want("على") == _ids("ar-ala")
    assert _want("کتاب") == _want("كتاب") == _want("ایران") == _ids("fa-yeh-kaf", "ar-yeh-kaf")
    assert _want("#ابل") == _ids("ar-tag")
    assert _want("بابل") == _ids("ar-other")  # a word that holds ابل is still another word


@pytest.mark.parametrize(("typed", "ascii_query"), LOOKALIKES)
def test_lookalike_operators_find_what_the_ascii_query_finds(qsyntax_store: Store, typed: str,
                                                             ascii_query: str) -> None:
    assert _want(typed) == _want(ascii_query)
    assert_store_finds_what_the_matcher_finds(qsyntax_store, POSTS, typed)


@pytest.mark.parametrize("query", ARABIC_QUERIES)
def test_arabic_letter_variants_find_what_the_matcher_finds(qsyntax_store: Store, query: str) -> None:
    assert_store_finds_what_the_matcher_finds(qsyntax_store, POSTS, query)


def _old_document(text: str) -> str:
    """`core.query.document` format 5: today's document without `ARABIC_LETTERS` (these posts hold no $ or @)."""
    def old_fold(token: str) -> str:
        return "".join(ch if ch in ARABIC_LETTERS else fold(ch) for ch in token)

    tags = [tag for tag in sigil_tokens(text) if not tag.startswith("#")]
    hashes = sorted({"#" + old_fold(t[1:]) for t in text.split() if t.startswith("#")})
    return " ".join([old_fold(t) for t in tokenize(text)] + tags + hashes)


def test_the_old_document_is_the_old_format() -> None:
    assert _old_document("أبل ايفون #أبل") == "أبل ايفون أبل #أبل"


def test_an_sqlite_store_written_before_format_6_answers_once_opened(tmp_path) -> None:
    from indexing.sqlite import FTS_VERSION, SqliteStore  # lazy: the SQLite half only

    path = tmp_path / "old.db"
    sqlite_in_old_format(path, _corpus(), _old_document, 9)  # the version before this document format
    reopened = SqliteStore(path)
    try:
        assert reopened._conn().execute("PRAGMA user_version").fetchone()[0] == FTS_VERSION
        assert_answers(reopened, ARABIC_QUERIES, _want)
    finally:
        reopened.close()


@pytest.mark.elasticsearch
def test_an_elasticsearch_index_written_before_format_6_answers_once_opened(es_url: str) -> None:
    """An index holding the format 5 search field (`text_folded_v5`) gets the current one filled on open."""
    mentions = _corpus()
    with es_in_old_format(es_url, mentions, _old_document, "text_folded_v5", T0) as store:
        assert_answers(store, ARABIC_QUERIES, _want)
        assert store.get([mentions[0].id]) == [mentions[0]]  # neither search field leaks into the Mention
