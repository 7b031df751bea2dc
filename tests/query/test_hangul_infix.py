"""Hangul infix terms (`*과열`): a Hangul word found inside an unspaced compound (충전중과열됨), parsed, matched,
compiled for both stores and the native searches, highlighted, and refused where it cannot mean anything
(docs/query-language.md, "Hangul infixes"). The stores' answers: tests/indexing/test_hangul_infix_stores.py."""

from __future__ import annotations

import sqlite3
import unicodedata

import pytest

from core.query import QueryCompileError, QuerySyntaxError, parse
from core.query.ast import Not, Term
from core.query.marked import match_spans
from dashboards.web.highlight import from_query
from extractors.query_native import search_terms, to_reddit, to_x
from indexing.elasticsearch_query import to_elasticsearch
from indexing.sqlite_query import fts5_column, fts5_exact, to_fts5

COMPOUND = "충전중과열됨"  # "overheated while charging", written as one word


def test_a_star_before_a_hangul_word_makes_it_an_infix() -> None:
    assert parse("*과열").root == Term("*과열", ("과열",), infix=(0,))
    assert parse("*과열*").root == Term("*과열*", ("과열",), infix=(0,))  # the closing '*' is accepted, the same
    assert parse("-＊과열").root == Not(Term("＊과열", ("과열",), infix=(0,)))  # a fullwidth '*' too
    assert parse('"배터리 *과열"').root == Term("배터리 *과열", ("배터리", "과열"), quoted=True, infix=(1,))
    # The word alone still matches the start of a word only, as before: 과열됨, not 충전중과열됨.
    assert parse("과열").root.infix == () and parse("과열").matches("과열됨") and not parse("과열").matches(COMPOUND)
    with pytest.raises(QuerySyntaxError, match="'\\*' and '~ru' do not go together"):
        parse("*과열~ru")
    with pytest.raises(QuerySyntaxError, match="#hashtags are matched whole"):
        parse("#*과열")
    for text in ["*과열", "*과열 AND lumora", '"배터리 *과열" OR 삼성', "*과열 NEAR/2 배터리"]:
        assert parse(str(parse(text))).root == parse(text).root


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("*과열", [COMPOUND, "과열됨", "배터리 과열", "Lumora 배터리과열ㅠㅠ", "과열과열"],
         ["과 열", "열과", "lumora"]),
        ("*과열 AND lumora", ["LUMORA 충전중과열됨"], [COMPOUND, "Lumora 과 열"]),
        ("NOT *과열", ["과 열", "lumora"], [COMPOUND, "과열됨"]),
        ('"배터리 *과열"', ["새 배터리 충전과열"], ["배터리 새 충전과열", "충전과열 배터리"]),
        ('"*과열 배터리"', ["충전과열 배터리가"], ["충전과열 새 배터리"]),  # the next word as a Hangul word: its start
        ("*과열 NEAR/1 배터리", ["충전과열 새 배터리"], ["충전과열 아주 새 배터리"]),
        # NFKC: decomposed syllables (jamo, as some keyboards and macOS file names write them) are the same text,
        # and a query in them the same query; compatibility jamo (ㅠㅠ) are Hangul letters of the word they touch.
        ("*과열", [unicodedata.normalize("NFD", COMPOUND), "과열ㅠㅠ"], []),
        (unicodedata.normalize("NFD", "*과열"), [COMPOUND], ["과 열"]),
        # A change of script ends a word, as everywhere: the Latin word next to it is a word of its own.
        ("*과열", ["LG과열"], ["LG 과"]),
    ],
)
def test_an_infix_matches_every_hangul_word_that_contains_it(query: str, found: list[str], not_found: list[str]):
    q = parse(query)
    assert [t for t in found if not q.matches(t)] == []
    assert [t for t in not_found if q.matches(t)] == []


@pytest.mark.parametrize(
    ("query", "column", "problem"),
    [
        ("*열", 1, "'*열': a Hangul infix needs at least 2 characters after the '*'"),
        ('"배터리 *열"', 6, "a Hangul infix needs at least 2 characters"),
        ("*ora", 1, "'*ora': a '*' before a word is only for Hangul (*과열 finds 충전중과열됨"),
        ("*Яндекс", 1, "elsewhere it would match inside unrelated words and make each search read every indexed word"),
        ("*lumora과열", 1, "write the whole words joined by OR, or a prefix (lumora*)"),
        ("*苹果", 1, "Chinese, Japanese, Thai, Lao, Khmer and Myanmar words are matched anywhere in the text"),
        ("*👍", 1, "an emoji or symbol is matched whole"),
        ("**과열", 1, "it cannot stand alone"),
        ("*과열*됨", 4, "'*' can only end a word"),
        ("과열*", 3, "drop the '*', or put it before the word (*과열) to find it inside a word too"),
    ],
)
def test_a_star_that_cannot_be_an_infix_is_a_syntax_error(query: str, column: int, problem: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    assert info.value.position == column, str(info.value)
    assert problem in info.value.message


def test_highlighting_marks_the_infix_not_the_whole_word() -> None:
    text = "Lumora 충전중과열됨, 과열과열 and 과열"
    spans = match_spans(text, parse("*과열 AND lumora").root)
    assert [text[a:b] for a, b in spans] == ["Lumora", "과열", "과열과열", "과열"]
    assert from_query("충전중과열됨 ㅠㅠ", "*과열") == [
        {"text": "충전중", "hit": False}, {"text": "과열", "hit": True}, {"text": "됨 ㅠㅠ", "hit": False}]
    # In a phrase, from its first word to the infix in the last.
    text = "새 배터리 충전과열됨"
    assert [text[a:b] for a, b in match_spans(text, parse('"배터리 *과열"').root)] == ["배터리 충전과열"]
    assert match_spans(COMPOUND, parse("lumora NOT *과열").root) == []  # a negated infix marks nothing


@pytest.mark.parametrize(
    ("query", "expected", "exact"),
    [
        ("*과열", None, False),  # two syllables: shorter than a trigram, the matcher scans the other filters' rows
        ("*과열됨", '"과열됨"', True),  # no spaces: anywhere in a word, and only in a Hangul word (exact)
        ("*과열 AND lumora", '" lumora "', False),
        ('"배터리 *과열됨 lumora"', '" 배터리" AND "과열됨" AND " lumora "', False),
        ("*과열됨 OR 삼성", '"과열됨" OR " 삼성"', True),
        ("lumora NOT *과열됨", '" lumora "', False),
    ],
)
def test_fts5_looks_for_an_infix_without_spaces(query: str, expected: str | None, exact: bool) -> None:
    assert to_fts5(parse(query), normalized=True) == expected
    assert fts5_exact(parse(query)) is exact


def test_fts5_prefilter_of_infixes_is_exact_on_a_real_trigram_table() -> None:
    texts = [COMPOUND, "과열됨", "배터리 과열", "#충전과열됨 lumora", "과 열 됨", "열과열됨", "lumora"]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE posts USING fts5(doc, tokenize='trigram')")
    db.executemany("INSERT INTO posts(rowid, doc) VALUES (?, ?)", [(i, fts5_column(t)) for i, t in enumerate(texts)])
    for query in ["*과열됨", "*과열됨 OR 배터리", "*과열됨 AND lumora"]:
        want = {i for i, t in enumerate(texts) if parse(query).matches(t)}
        rows = {r for (r,) in db.execute("SELECT rowid FROM posts WHERE posts MATCH ?", (to_fts5(parse(query), True),))}
        assert rows == want and want, (query, rows, want)


def test_elasticsearch_looks_for_an_infix_with_a_regexp_of_hangul_words() -> None:
    def es(query: str) -> dict:
        return to_elasticsearch(parse(query), text_field="f", folded=True)

    regexp = es("*과열")["regexp"]["f"]
    assert regexp["flags"] == "NONE" and "과열" in regexp["value"] and es("*과열*") == es("*과열")
    hangul = regexp["value"].split("과열")[0]
    assert hangul.startswith("[") and hangul.endswith("]*") and "#" not in hangul  # never a #tag or @handle unit
    phrase = es('"배터리 *과열"')["span_near"]["clauses"]
    assert phrase == [{"span_multi": {"match": {"prefix": {"f": {"value": "배터리"}}}}},
                      {"span_multi": {"match": {"regexp": {"f": regexp}}}}]
    assert es("lumora NOT *과열")["bool"]["must_not"] == [{"regexp": {"f": regexp}}]


def test_native_searches_never_narrow_to_the_bare_word() -> None:
    """X, Reddit and the keyword sources would find only the word 과열, never 충전중과열됨: refused when it counts,
    left out under NOT (a wider fetch, which the store's filter narrows)."""
    for compile_ in (to_x, to_reddit, search_terms):
        with pytest.raises(QueryCompileError, match="cannot find a word inside another, so '\\*과열' would collect"):
            compile_(parse("*과열 OR 삼성"))
    assert to_x(parse("삼성 -*과열")) == "삼성"
    assert to_reddit(parse("삼성 NOT *과열")) == "삼성"
    assert search_terms(parse("삼성 NOT *과열")) == ["삼성"]
