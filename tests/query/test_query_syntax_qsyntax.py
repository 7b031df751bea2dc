"""Query syntax an analyst types from other tools or keyboards (review s67 "querypro", findings 1 and 5): a dash
that is not ASCII '-', full-width parentheses and operators read as the operators they look like; other tools'
syntax (`c++`, `!apple`, `apple~2`, `"a b"~3` ...) refused with the fix, never read silently as something else."""

from __future__ import annotations

import pytest

from core.query import QuerySyntaxError, parse
from core.query.aliases import alias_fragment

# Finding 1: every one of these is the ASCII query beside it.
LOOKALIKES = [
    ("apple \u2013stock", "apple -stock"),  # en dash (autocorrect)
    ("apple \u2014stock", "apple -stock"),  # em dash
    ("apple \u2212stock", "apple -stock"),  # minus sign
    ("apple \u2010stock", "apple -stock"),  # hyphen
    ("apple \u2011stock", "apple -stock"),  # non-breaking hyphen
    ("apple \uff0dstock", "apple -stock"),  # full-width hyphen-minus (CJK IME)
    ("apple \ufe63stock", "apple -stock"),  # small hyphen-minus
    ("apple \u2013(stock OR shares)", "apple -(stock OR shares)"),
    ("apple \u2013\u2013stock", "apple --stock"),
    ("apple ＮＯＴ stock", "apple NOT stock"),
    ("apple ＡＮＤ stock", "apple AND stock"),
    ("apple ＯＲ stock", "apple OR stock"),
    ("apple ｎｏｔ stock", "apple NOT stock"),
    ("（iphone OR ipad） battery", "(iphone OR ipad) battery"),
    ("﹙iphone OR ipad﹚ battery", "(iphone OR ipad) battery"),
    ("apple \uff0d（stock OR shares）", "apple -(stock OR shares)"),
    ("apple ＮＥＡＲ/３ stock", "apple NEAR/3 stock"),
]


@pytest.mark.parametrize(("typed", "ascii_query"), LOOKALIKES)
def test_lookalike_operators_are_the_operators(typed: str, ascii_query: str) -> None:
    assert parse(typed).root == parse(ascii_query).root
    assert parse(typed).matches("apple stock is down", "en") == parse(ascii_query).matches("apple stock is down", "en")


def test_an_exclusion_typed_with_an_en_dash_still_excludes() -> None:
    query = parse("apple \u2013stock")
    assert query.matches("I love my apple", "en")
    assert not query.matches("apple stock is down", "en")


def test_a_dash_inside_a_word_stays_part_of_the_word() -> None:
    assert parse("T\u2013Mobile").root.tokens == parse("T-Mobile").root.tokens == ("t", "mobile")
    assert parse("T\u2013Mobile").matches("T-Mobile outage", "en")


@pytest.mark.parametrize(
    ("query", "column", "says"),
    [
        ("apple \u2013 stock", 7, "an en dash (–) must be followed by a term or '('"),
        ("apple \u2014", 7, "an em dash (—) must be followed by a term or '('"),
        ("apple - stock", 7, "'-' must be followed by a term or '('"),
        ("（apple OR ipad", 15, "unclosed parenthesis opened at column 1"),
        ("apple OR ipad）", 14, "unmatched closing parenthesis"),
        ("（ＮＯＴ）", 2, "ＮＯＴ needs a term after it"),  # as for ASCII: the column of the operator
        ("ＯＲ apple", 1, "needs a term before it"),
        ("a ＮＥＡＲ/ｘ b", 8, "NEAR distance must be a whole number"),
    ],
)
def test_errors_name_the_column_as_written(query: str, column: int, says: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert caught.value.position == column, str(caught.value)
    assert says in caught.value.message


def test_a_full_width_operator_alias_is_quoted_as_a_word() -> None:
    assert alias_fragment("ＯＲ") == '"ＯＲ"'
    assert parse(alias_fragment("ＯＲ")).matches("OR", "en")


# Finding 5: each of these used to parse as something else (the report's table); now an error naming the fix.
@pytest.mark.parametrize(
    ("query", "column", "says"),
    [
        ("c++", 2, "would find the word 'c' alone; write the words or hashtags posts use for it (cpp OR"),
        ("C#", 2, "would find the word 'c' alone; write the words or hashtags posts use for it (csharp"),
        ("f#", 2, "the word 'f' alone"),
        ("jobs (c++)", 8, "'c++'"),
        (".net", 1, "the word 'net' alone"),
        ("apple~2", 6, "fuzzy matching ('~' and a number) is not supported"),
        ("apple~0.8", 6, "a prefix (appl*)"),
        ("!apple", 1, "'!' is not NOT here (it would be dropped, finding apple); write -apple or NOT apple"),
        ("{Apple}", 1, "matching ignores case and '{}' is not searched; write Apple"),
        ("apple^2", 6, "a boost ('^') is not supported"),
        ("'apple pie'", 1, 'single quotes do not make a phrase (the quotes are dropped and the words searched '
                           'apart); use double quotes: "apple pie"'),
        ("tv -'apple pie'", 5, 'use double quotes: "apple pie"'),
        ('"apple pie"~3', 12, "proximity is NEAR/n here (words at most n words apart): write apple NEAR/3 pie"),
        ("apple pie ~3", 11, "proximity is NEAR/n here"),
    ],
)
def test_other_tools_syntax_is_refused_with_the_fix(query: str, column: int, says: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert caught.value.position == column, str(caught.value)
    assert says in caught.value.message, caught.value.message


@pytest.mark.parametrize(
    "query",
    ["'90s music", "l'apple", "rock'n'roll", "wow!", "a+b", "AT&T", "24/7", "Inc.", "#csharp", "apple~en",
     '"apple"~en', "$AAPL", "broken?", "apple -stock", "T-Mobile", "x AND NOT y"],
)
def test_ordinary_punctuation_still_parses(query: str) -> None:
    parse(query)
