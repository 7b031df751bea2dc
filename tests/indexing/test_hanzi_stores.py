"""Traditional and simplified Chinese are one text on both stores (SQLite, Elasticsearch on a real node), as in
the matcher: 電池 finds 电池 and the other way round, a brand alias in one script finds posts in the other, and a
store written before the fold (search document format 3) answers so once opened (docs/query-language.md,
"Folding"). Every expectation is the matcher's (`Query.matches`), computed here, plus the review's cases by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from matcher_corpus import assert_store_finds_what_the_matcher_finds, corpus, filled_store, matcher_ids
from old_search_format import assert_answers, es_in_old_format, sqlite_in_old_format
from store_support import STORES

from core.mention import Mention
from core.query.text import fold, hashtags, normalize, tokenize
from indexing.base import Filters, Store

T0 = datetime(2026, 4, 3, tzinfo=UTC)

# (key, text, lang): the same words in both scripts, mixed in one post, and lookalikes that must stay apart.
POSTS = [
    ("tw-overheat", "綠摩拉耳機充電時過熱", "zh"),
    ("cn-overheat", "绿摩拉耳机充电时过热", "zh"),
    ("tw-battery", "電池一天就沒電了", "zh"),
    ("cn-battery", "电池一天就没电了", "zh"),
    ("hk-mixed", "Lumora 電池 还是过热", "zh"),
    ("tw-support", "客服回覆很慢 #綠摩拉", "zh"),
    ("cn-support", "客服回复很慢 #绿摩拉", "zh"),
    ("cn-other", "电视很好", "zh"),
    ("ja-battery", "電池が熱い", "ja"),
    ("en-battery", "Lumora battery overheating", "en"),
]
QUERIES = [
    "绿摩拉",
    "綠摩拉",
    "电池",
    "電池",
    "电池 OR 電池",
    '"充电时过热"',
    "过热",
    "過熱 AND lumora",
    "電池 NEAR/2 过热",
    "#綠摩拉",
    "#绿摩拉",
    "电 -池",
    "NOT 電池",
]


def _corpus() -> list[Mention]:
    return corpus(POSTS, T0)


def _want(query: str) -> set[str]:
    return matcher_ids(POSTS, query)


@pytest.fixture(scope="module", params=STORES)
def hanzi_store(request, tmp_path_factory) -> Iterator[Store]:
    yield from filled_store(request, tmp_path_factory.mktemp("hanzi"), _corpus())


def test_the_matcher_counts_both_scripts_as_one() -> None:
    """The review's cases: the alias, the crisis term and 电池 find the posts in either script."""
    both = {"import:tw-overheat", "import:cn-overheat"}
    assert _want("绿摩拉") == _want("綠摩拉") == both | {"import:tw-support", "import:cn-support"}
    assert _want("过热") == _want("過熱") == both | {"import:hk-mixed"}
    batteries = {"import:tw-battery", "import:cn-battery", "import:hk-mixed", "import:ja-battery"}
    assert _want("电池") == _want("電池") == _want("电池 OR 電池") == batteries
    assert _want("#綠摩拉") == _want("#绿摩拉") == {"import:tw-support", "import:cn-support"}
    assert "import:cn-other" not in _want("电池")  # 电视 is not 电池
    for query in QUERIES:
        assert 0 < len(_want(query)) < len(POSTS), query


@pytest.mark.parametrize("query", QUERIES)
def test_hanzi_queries_find_what_the_matcher_finds(hanzi_store: Store, query: str) -> None:
    assert_store_finds_what_the_matcher_finds(hanzi_store, POSTS, query)


def test_both_scripts_count_alike_on_the_store(hanzi_store: Store) -> None:
    """The review's counts (电池 20, 電池 17, both 37): now one number, whichever script the query is in."""
    counts = {q: hanzi_store.count(Filters(text=q)) for q in ("电池", "電池", "电池 OR 電池")}
    assert counts == dict.fromkeys(counts, 4), counts
    assert hanzi_store.count(Filters(text="绿摩拉")) == hanzi_store.count(Filters(text="綠摩拉")) == 4


def _old_document(text: str) -> str:
    """`core.query.document` format 3, what stores wrote before: folded tokens but traditional Han as written."""
    def old_fold(token: str) -> str:
        return "".join(ch if "\u4e00" <= ch <= "\u9fff" else fold(ch) for ch in token)

    tags = sorted({"#" + old_fold(t) for t in hashtags(text)})
    return " ".join([old_fold(t) for t in tokenize(normalize(text))] + tags)


def test_the_old_document_is_the_old_format() -> None:
    """The stand-in for format 3 keeps 綠摩拉 as written, so the upgrade tests below show the rebuild."""
    assert _old_document("綠摩拉 Café #綠摩拉") == "綠 摩 拉 cafe 綠 摩 拉 #綠摩拉"


def test_an_sqlite_store_written_before_the_fold_answers_both_scripts_once_opened(tmp_path) -> None:
    from indexing.sqlite import FTS_VERSION, SqliteStore

    path = tmp_path / "old.db"
    sqlite_in_old_format(path, _corpus(), _old_document, 7)  # the version before this document format

    reopened = SqliteStore(path)
    try:
        assert reopened._conn().execute("PRAGMA user_version").fetchone()[0] == FTS_VERSION
        assert_answers(reopened, QUERIES, _want)
    finally:
        reopened.close()


@pytest.mark.elasticsearch
def test_an_elasticsearch_index_written_before_the_fold_answers_both_scripts_once_opened(es_url: str) -> None:
    """An index holding the format 3 search field (`text_folded_v3`) gets the current one filled on open."""
    corpus = _corpus()
    with es_in_old_format(es_url, corpus, _old_document, "text_folded_v3", T0) as store:
        assert_answers(store, QUERIES, _want)
        assert store.get([corpus[0].id]) == [corpus[0]]  # neither search field leaks into the Mention
