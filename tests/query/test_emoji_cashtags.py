"""Emoji and cashtags are terms of their own (docs/query-language.md, "Emoji and cashtags"): matched exactly,
alone or in a phrase, in every script, or refused with an error naming the term; never silently dropped."""

from __future__ import annotations

import pytest

from core.query import QuerySyntaxError, parse, search_document
from core.query.ast import Cashtag, Term
from core.query.names import name_spans
from core.query.text import tokenize
from extractors.query_native import search_terms, to_reddit, to_x

# (query, text, lang, expected)
CASES = [
    # An emoji alone, or in a phrase: the tokens next to each other, as for words.
    ("😡", "Lumora Pulse 太烫了😡", "zh", True),
    ("😡", "Lumora Pulse 太烫了", "zh", False),
    ('"Lumora 👎"', "Lumora 👎 never again", "en", True),
    ('"Lumora 👎"', "Lumora 👎", "en", True),
    ('"Lumora 👎"', "Lumora!! 👎", "en", True),  # punctuation between tokens is ignored, as in any phrase
    ('"Lumora 👎"', "Lumora is fine 👎 for the price", "en", False),
    ('"Lumora 👎"', "Lumora rocks", "en", False),  # was True: the 👎 was dropped from the phrase
    ('"pulse 😡"', "La Pulse 😡😡", "es", True),
    ('"pulse 😡"', "La Pulse me encanta", "es", False),
    ('"太烫了😡"', "这个太烫了😡😡", "zh", True),  # Han and emoji without spaces: each one token
    ('"太烫了😡"', "这个太烫了", "zh", False),
    ('"太烫了😡"', "太烫😡了", "zh", False),
    ("熱い😡", "このスマホ熱い😡", "ja", True),  # one unquoted chunk: the phrase 熱 い 😡
    ("熱い😡", "このスマホ熱い", "ja", False),
    ('"батарея 🔥"', "Люмора: батарея 🔥🔥", "ru", True),
    ('"батарея 🔥"', "Люмора: батарея горит", "ru", False),
    ('"삼성 👍"', "삼성은 👍", "ko", True),  # Hangul matches a word's start, particles and all
    ('"삼성 👍"', "삼성은 좋아 👍", "ko", False),
    ("😡 NEAR/2 lumora", "Lumora battery 😡", "en", True),
    ("😡 NEAR/0 lumora", "Lumora battery 😡", "en", False),
    ("lumora -👎", "Lumora 👍", "en", True),
    ("lumora -👎", "Lumora 👎🏿", "en", False),
    # Skin tones and the presentation selectors never decide a match, in either direction.
    ("👍", "love it 👍🏽", "en", True),
    ("👍🏽", "love it 👍", "en", True),
    ("👍🏻", "love it 👍🏿", "en", True),
    ("❤️", "Lumora ❤", "en", True),  # U+FE0F or not
    ("❤", "Lumora ❤️", "en", True),
    # A ZWJ sequence is one emoji: its parts do not find it, nor it them.
    ("❤️‍🔥", "Lumora ❤️‍🔥", "en", True),
    ("❤️", "Lumora ❤️‍🔥", "en", False),
    ("🔥", "Lumora ❤️‍🔥", "en", False),
    ("❤️‍🔥", "Lumora ❤️ 🔥", "en", False),
    ("👩‍💻", "dev 👩🏽‍💻 here", "en", True),  # a skin tone inside the sequence folds away too
    ("🇫🇷", "Lumora 🇫🇷🇩🇪", "fr", True),  # two regional indicators: one flag
    ("🇩🇪", "Lumora 🇫🇷🇩🇪", "fr", True),
    ("🇫🇷", "Lumora 🇫🇮🇷🇺", "fr", False),  # FI RU, not FR
    ("★", "Lumora ★★★★★", "en", True),  # any symbol (category So), not only emoji
    ("\U0001fae8", "Lumora \U0001fae8", "en", True),  # an emoji newer than this Python's Unicode tables
    # Symbols that decorate words and numbers stay punctuation: these phrases read as before.
    ('"Lumora Pulse"', "Lumora® Pulse", "en", True),
    ('"25 c"', "25°C today", "en", True),
    # Cashtags: '$AAPL' is the cashtag only; a plain word also finds it (as `tag` finds #tag).
    ("$AAPL", "buying $AAPL today", "en", True),
    ("$AAPL", "buying AAPL today", "en", False),
    ("$AAPL", "buying #AAPL today", "en", False),
    ("$aapl", "$AAPL!", "en", True),
    ("$AAPL", "$AAPLX is another one", "en", False),
    ("$AAPL", "costs US$AAPL", "en", False),  # no cashtag after a word character
    ("aapl", "buying $AAPL today", "en", True),
    ("$BRK.B", "long $BRK.B", "en", True),
    ("$BRK.B", "long $BRK", "en", False),
    ("$BRK", "long $BRK.B", "en", False),
    ("$AAPL", "Apple: $AAPL上涨了😡", "zh", True),  # a change of script ends a cashtag, as it ends a word
    ("$AAPL", "买入$AAPL", "zh", True),
    ("$AAPL", "$AAPLé", "fr", False),
    ("$AAPL", "акции $AAPL растут", "ru", True),
    ("$AAPL", "buying ＄AAPL", "ja", True),  # fullwidth '$' is '$'
    ("$AAPL -$TSLA", "$AAPL and $TSLA", "en", False),
    ("$AAPL AND 📉", "$AAPL 📉📉", "en", True),
]


@pytest.mark.parametrize(("query", "text", "lang", "expected"), CASES)
def test_emoji_and_cashtags_match_exactly(query: str, text: str, lang: str, expected: bool) -> None:
    assert parse(query).matches(text, lang) is expected


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("太烫了😡", ["太", "烫", "了", "😡"]),
        ("😡😡", ["😡", "😡"]),
        ("Lumora👎", ["lumora", "👎"]),
        ("👍🏽 ok", ["👍🏽", "ok"]),
        ("👨‍👩‍👧", ["👨\u200d👩\u200d👧"]),
        ("🇫🇷🇩🇪", ["🇫🇷", "🇩🇪"]),
        ("Lumora® 25°C", ["lumora", "25", "c"]),
    ],
)
def test_each_emoji_is_one_token(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_the_search_document_holds_emoji_without_skin_tones_and_cashtag_units() -> None:
    assert search_document("Buy $AAPL 👍🏽 太烫了😡 #Lumora") == "buy aapl 👍 太 烫 了 😡 lumora #lumora $aapl"


def test_a_cashtag_is_its_own_node() -> None:
    assert parse("$AAPL").root == Cashtag("aapl")
    assert parse('"Lumora 👎"').root == Term("Lumora 👎", ("lumora", "👎"), quoted=True)
    assert str(parse("$BRK.B OR 😡")) == '$brk.b OR "😡"'


@pytest.mark.parametrize(
    ("query", "column", "problem"),
    [
        ("$100", 1, "bad cashtag '$100'"),
        ("lumora $", 8, "bad cashtag '$'"),
        ('"$AAPL earnings"', 2, "'$AAPL': a cashtag cannot stand in a phrase"),
        ("buy,$AAPL", 1, "a cashtag cannot stand inside a word"),
        ("$AAP*", 5, "$cashtags are matched whole"),
        ("😡*", 2, "an emoji or symbol is matched whole"),
        ("👍~en", 2, "'👍' is not one"),
        ("$AAPL NEAR/2 stock", 1, "not hashtags, cashtags, handles"),
        ("→", 1, "'→' has no letters, digits or emoji"),
        ("lumora ©", 8, "'©' has no letters, digits or emoji"),
        ('"®"', 1, "empty phrase"),
    ],
)
def test_what_cannot_be_searched_is_refused_naming_the_term(query: str, column: int, problem: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    assert info.value.position == column and problem in info.value.message, str(info.value)


def test_an_amount_in_quotes_is_the_number() -> None:
    assert parse('"$100"').matches("only $100!") and parse('"$100"').matches("100 left")


def test_source_searches_keep_cashtags_and_emoji() -> None:
    query = parse('$AAPL OR "Lumora 👎"')
    assert to_x(query) == '$aapl OR "lumora 👎"'  # X's own cashtag operator
    assert to_reddit(query) == 'aapl OR "lumora 👎"'  # no cashtag search there: the word, a superset
    assert search_terms(query) == ["$aapl", '"lumora 👎"']


def test_brand_name_spans_cover_cashtags_and_emoji() -> None:
    text = "I sold $AAPL 😡 today"
    spans = name_spans(text, [parse("$AAPL OR 😡").root])
    assert [text[a:b] for a, b in spans] == ["$AAPL", "😡"]
