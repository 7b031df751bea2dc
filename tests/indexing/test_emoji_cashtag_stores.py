"""Emoji and cashtag searches give the matcher's answer on both stores (SQLite, Elasticsearch on a real node),
and stores written before emoji and cashtags were indexed answer them too once opened (docs/query-language.md,
"Emoji and cashtags"). Every expectation is the matcher's (`Query.matches`), computed here in plain Python."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from matcher_corpus import assert_store_finds_what_the_matcher_finds, corpus, filled_store, matcher_ids
from old_search_format import assert_answers, es_in_old_format, sqlite_in_old_format
from store_support import STORES

from core.mention import Mention
from core.query import search_document
from core.query.text import is_symbol, search_tokens
from indexing.base import Store

T0 = datetime(2026, 4, 2, tzinfo=UTC)

# (key, text, lang): emoji with and without spaces, skin tones, ZWJ sequences and flags, cashtags, in several
# languages and scripts, and lookalikes each query must leave out.
POSTS = [
    ("en-thumbs-down", "Lumora 👎 never again", "en"),
    ("en-thumbs-down-tone", "Lumora 👎🏾 support is slow", "en"),
    ("en-thumbs-up", "Lumora is great 👍", "en"),
    ("en-thumbs-up-tone", "love my Lumora 👍🏽👍🏽", "en"),
    ("en-no-emoji", "Lumora rocks, thumbs down to the rest", "en"),
    ("en-late-emoji", "Lumora is fine but the price 👎", "en"),
    ("zh-hot-angry", "Lumora Pulse 太烫了😡", "zh"),
    ("zh-hot", "Lumora Pulse 太烫了", "zh"),
    ("zh-angry-twice", "这个太烫了😡😡", "zh"),
    ("ja-hot-angry", "このスマホ熱い😡", "ja"),
    ("ko-angry", "루모라 배터리 😡", "ko"),
    ("ru-fire", "Люмора: батарея 🔥🔥", "ru"),
    ("ru-no-emoji", "Люмора: батарея горит", "ru"),
    ("es-pulse-angry", "La Pulse 😡 otra vez", "es"),
    ("fr-flag", "Lumora arrive 🇫🇷🇩🇪", "fr"),
    ("fr-other-flags", "Lumora 🇫🇮🇷🇺", "fr"),
    ("it-heart-fire", "Lumora ❤️‍🔥", "it"),
    ("it-heart", "Lumora ❤️ sempre", "it"),
    ("de-heart-bare", "Lumora ❤ immer", "de"),
    ("en-dev", "dev 👩🏽‍💻 on Lumora", "en"),
    ("en-stars", "Lumora ★★★★★", "en"),
    ("en-registered", "Lumora® Pulse review", "en"),
    ("en-cashtag", "buying $AAPL and $LMRA today", "en"),
    ("en-word", "buying AAPL today", "en"),
    ("en-hashtag", "buying #AAPL today", "en"),
    ("en-longer", "$AAPLX is another ticker", "en"),
    ("en-dollar-word", "costs US$AAPL", "en"),
    ("en-class", "long $BRK.B, short $TSLA 📉", "en"),
    ("zh-cashtag", "买入$AAPL上涨了😡", "zh"),
    ("ru-cashtag", "акции $AAPL растут 📈", "ru"),
    ("ja-fullwidth", "＄ＡＡＰＬを買った", "ja"),
]
QUERIES = [
    '"Lumora 👎"',
    '"pulse 😡"',
    "👎",
    "😡",
    "👍",
    "👍🏽",
    '"太烫了😡"',
    "熱い😡",
    '"батарея 🔥"',
    "🔥",
    "🇫🇷",
    "🇩🇪",
    "❤️",
    "❤",
    "❤️‍🔥",
    "👩‍💻",
    "★",
    '"Lumora Pulse"',
    "lumora -👎",
    "lumora AND NOT (👎 OR 😡)",
    "😡 NEAR/1 了",
    "$AAPL",
    "aapl",
    "$AAPL NOT #aapl",
    "$BRK.B",
    "$TSLA AND 📉",
    "$AAPL OR 😡",
    "NOT $AAPL",
]


def _corpus() -> list[Mention]:
    return corpus(POSTS, T0)


def _want(query: str) -> set[str]:
    return matcher_ids(POSTS, query)


@pytest.fixture(scope="module", params=STORES)
def emoji_store(request, tmp_path_factory) -> Iterator[Store]:
    yield from filled_store(request, tmp_path_factory.mktemp("emoji"), _corpus())


def test_the_queries_tell_the_posts_apart() -> None:
    """Each query finds some posts and leaves some out, so that a store dropping the emoji or the '$' fails."""
    for query in QUERIES:
        assert 0 < len(_want(query)) < len(POSTS), query
    # What the reviewer saw: the phrase was every Lumora post, and $AAPL the word aapl.
    assert _want('"Lumora 👎"') == {"import:en-thumbs-down", "import:en-thumbs-down-tone"}
    assert _want("$AAPL") < _want("aapl")


@pytest.mark.parametrize("query", QUERIES)
def test_emoji_and_cashtag_queries_find_what_the_matcher_finds(emoji_store: Store, query: str) -> None:
    assert_store_finds_what_the_matcher_finds(emoji_store, POSTS, query)


def _old_document(text: str) -> str:
    """`core.query.document` format 2, what stores wrote before: no emoji tokens, no `$tag` units."""
    return " ".join(t for t in search_tokens(text) if not is_symbol(t)) + "".join(
        " " + u for u in search_document(text).split(" ") if u[:1] in "#@"
    )


def test_an_sqlite_store_written_before_emoji_answers_them_once_opened(tmp_path) -> None:
    from indexing.sqlite import SqliteStore

    path = tmp_path / "old.db"
    sqlite_in_old_format(path, _corpus(), _old_document, 5)  # the version before this document format

    reopened = SqliteStore(path)
    try:
        assert_answers(reopened, QUERIES, _want)
    finally:
        reopened.close()


@pytest.mark.elasticsearch
def test_an_elasticsearch_index_written_before_emoji_answers_them_once_opened(es_url: str) -> None:
    """An index holding the format 2 search field (`text_folded_v2`) gets the current one filled on open."""
    corpus = _corpus()
    with es_in_old_format(es_url, corpus, _old_document, "text_folded_v2", T0) as store:
        assert_answers(store, QUERIES, _want)
        assert store.get([corpus[0].id]) == [corpus[0]]  # neither search field leaks into the Mention
