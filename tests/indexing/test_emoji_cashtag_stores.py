"""Emoji and cashtag searches give the matcher's answer on both stores (SQLite, Elasticsearch on a real node),
and stores written before emoji and cashtags were indexed answer them too once opened (docs/query-language.md,
"Emoji and cashtags"). Every expectation is the matcher's (`Query.matches`), computed here in plain Python."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from old_search_format import assert_answers, es_in_old_format, sqlite_in_old_format
from test_store_contract import STORES, _open_store

from core.mention import Mention
from core.query import parse, search_document
from core.query.text import is_symbol, search_tokens
from indexing.base import Filters, Store

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
    return [
        Mention(source="import", native_id=key, text=text, lang=lang, created_at=T0 + timedelta(minutes=i),
                brand="lumora")
        for i, (key, text, lang) in enumerate(POSTS)
    ]


def _want(query: str) -> set[str]:
    return {f"import:{key}" for key, text, lang in POSTS if parse(query).matches(text, lang)}


@pytest.fixture(scope="module", params=STORES)
def emoji_store(request, tmp_path_factory) -> Iterator[Store]:
    for opened in _open_store(request.param, request, tmp_path_factory.mktemp("emoji")):
        assert all(r.ok for r in opened.upsert(_corpus()))
        yield opened


def test_the_queries_tell_the_posts_apart() -> None:
    """Each query finds some posts and leaves some out, so that a store dropping the emoji or the '$' fails."""
    for query in QUERIES:
        assert 0 < len(_want(query)) < len(POSTS), query
    # What the reviewer saw: the phrase was every Lumora post, and $AAPL the word aapl.
    assert _want('"Lumora 👎"') == {"import:en-thumbs-down", "import:en-thumbs-down-tone"}
    assert _want("$AAPL") < _want("aapl")


@pytest.mark.parametrize("query", QUERIES)
def test_emoji_and_cashtag_queries_find_what_the_matcher_finds(emoji_store: Store, query: str) -> None:
    f = Filters(text=query)
    want = _want(query)
    assert {h.mention.id for h in emoji_store.search(f, size=50).hits} == want
    assert emoji_store.count(f) == len(want)
    assert {m.id for m in emoji_store.iter_mentions(f)} == want
    langs = Counter(lang for key, _, lang in POSTS if f"import:{key}" in want)
    assert emoji_store.facet(f, "lang") == dict(langs)


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
