"""Review s67 "dquery", findings 1 to 4, on the parser: the refusals of other tools' syntax reach only the shapes
they were meant for. Brand names that parsed before parse the same way (Disney+, Toys 'R' Us, （株）ソニー,
10~20代, Kpop^^), nothing inside double quotes is refused, and what is still refused names what to write."""

from __future__ import annotations

import pytest

from core.query import QuerySyntaxError, parse
from core.query.aliases import alias_fragment

# Each of these parsed before the syntax refusals (HEAD) and means the same now: the tree is written out.
KEPT = [
    # Finding 1: '+' or '#' after a word longer than one letter is trailing punctuation, as before.
    ("Disney+", '"Disney+"'),
    ("Apple TV+", 'Apple AND "TV+"'),
    ("Canal+ OR ESPN+ OR Paramount+", '"Canal+" OR "ESPN+" OR "Paramount+"'),
    ("iPhone 6+", 'iPhone AND "6+"'),
    ("google+ OR bing", '"google+" OR bing'),
    ('"Disney+ Hotstar"', '"Disney+ Hotstar"'),
    ('#DisneyPlus OR "Disney+"', '#disneyplus OR "Disney+"'),
    ('"C++"', '"C++"'),  # quoted: the letter on purpose
    ('"the c# way"', '"the c# way"'),
    # Finding 2: apostrophes that open or close nothing, and a single quoted word.
    ("'90s music OR Dunkin'", "(\"'90s\" AND music) OR \"Dunkin'\""),
    ("Nice 'n Easy OR Dunkin' Donuts", "(Nice AND \"'n\" AND Easy) OR (\"Dunkin'\" AND Donuts)"),
    ("rock 'n roll OR Guns N' Roses", "(rock AND \"'n\" AND roll) OR (Guns AND \"N'\" AND Roses)"),
    ("'tis the season OR bakin'", "(\"'tis\" AND the AND season) OR \"bakin'\""),
    ("'tis the season bakin'", "\"'tis\" AND the AND season AND \"bakin'\""),
    ("Toys 'R' Us", "Toys AND \"'R'\" AND Us"),
    ("Toys \u2018R\u2019 Us", "Toys AND \"\u2018R\u2019\" AND Us"),
    ("Rock 'N' Roll Hall", "Rock AND \"'N'\" AND Roll AND Hall"),
    ("rock 'n' roll", "rock AND \"'n'\" AND roll"),
    ("'apple'", "\"'apple'\""),
    # Finding 3: full-width parentheses glued to the text are the text (株式会社), one phrase as before.
    ("（株）ソニー", '"（株）ソニー"'),
    ("ソニー（株）", '"ソニー（株）"'),
    ("（株）ソニー OR 任天堂", '"（株）ソニー" OR "任天堂"'),
    # Finding 4: '~' and '^' that are not Lucene's shapes.
    ("10~20代", '"10~20代"'),
    ("3~5일", '"3~5일"'),
    ("lumora 1~2", 'lumora AND "1~2"'),
    ("Kpop^^", '"Kpop^^"'),
    ('"10~20代"', '"10~20代"'),
]


@pytest.mark.parametrize(("query", "tree"), KEPT)
def test_queries_that_parsed_before_mean_the_same(query: str, tree: str) -> None:
    assert str(parse(query).root) == tree


@pytest.mark.parametrize("name", ["Disney+", "Apple TV+", "Canal+", "iPhone 6+", "C++"])
def test_a_brand_name_with_a_plus_is_an_alias(name: str) -> None:
    assert parse(alias_fragment(name)).matches(f"watching {name} tonight", "en")


def test_a_glued_full_width_pair_does_not_find_its_inner_word_alone() -> None:
    post = "株価が下がった。ソニーの新製品"  # 株価: stock price, no 株式会社
    assert not parse("（株）ソニー").matches(post, "ja")
    assert not parse("ソニー（株）").matches(post, "ja")
    assert parse("（株）ソニー").matches("（株）ソニーが発表", "ja")


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("（iphone OR ipad） battery", "(iphone OR ipad) AND battery"),
        ("（ソニー OR 任天堂）", '"ソニー" OR "任天堂"'),
        ("apple \uff0d（stock OR shares）", "apple AND NOT (stock OR shares)"),
        ("（apple）", "apple"),
    ],
)
def test_full_width_parentheses_that_stand_as_operators_still_group(query: str, tree: str) -> None:
    assert str(parse(query).root) == tree


@pytest.mark.parametrize(
    ("query", "column", "says"),
    [
        ("c++", 2, "the word 'c' alone; write the words or hashtags posts use for it (cpp OR cplusplus OR #cpp), "
                   'or quote it to search for the letter on purpose ("c++")'),
        ("C#", 2, "(csharp OR #csharp)"),
        ("f#", 2, "(fsharp OR #fsharp)"),
        ("\uff43\uff0b\uff0b", 2, "the word 'c' alone; write the words or hashtags posts use for it (cpp OR"),
        ("A+", 2, 'the word \'a\' alone; write it in quotes with the word posts put beside it ("A+ rating")'),
        ("'apple pie' OR x", 1, 'use double quotes: "apple pie"'),
        ("x ('apple pie')", 4, 'use double quotes: "apple pie"'),
        ("apple~2", 6, "fuzzy matching"),
        ("iPhone~2", 7, "fuzzy matching"),
        ("café~0.8", 5, "fuzzy matching"),
        ("apple^2", 6, "a boost ('^') is not supported"),
        ('"apple pie"~3', 12, "write apple NEAR/3 pie"),
        ("apple pie ~3", 11, "proximity is NEAR/n here"),
    ],
)
def test_the_shapes_meant_are_still_refused_with_the_fix(query: str, column: int, says: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert caught.value.position == column, str(caught.value)
    assert says in caught.value.message, caught.value.message
