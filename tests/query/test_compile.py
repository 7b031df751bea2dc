"""Compilers: X, Reddit, Elasticsearch, and FTS5 (checked as a superset on a real SQLite table)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from query_samples import CASES

from core.query import QueryCompileError, parse
from extractors.query_native import search_terms, to_reddit, to_x
from indexing.elasticsearch_query import to_elasticsearch
from indexing.sqlite_query import fts5_column, to_fts5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("apple", "apple"),
        ("Apple Watch", "Apple Watch"),
        ('"apple watch" OR #iphone', '"apple watch" OR #iphone'),
        ("apple NOT (pie OR juice)", "apple -(pie OR juice)"),
        ("(apple OR samsung) lang:ko", "(apple OR samsung) lang:ko"),
        ("apple NEAR/3 battery", "apple battery"),  # X has no proximity: AND is the superset
        ("apple NOT (pie NEAR/2 crust)", "apple"),  # a negated NEAR cannot be narrowed: dropped
        ("@Samsung OR 삼성 OR ЯНДЕКС", "@samsung OR 삼성 OR ЯНДЕКС"),
        ("苹果", '"苹果"'),
        ('"or" apple', '"or" apple'),
        ("@acme.bsky.social", '"acme bsky social"'),
    ],
)
def test_to_x(query, expected):
    assert to_x(parse(query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("apple watch", "apple AND watch"),
        ("apple NOT pie", "apple AND NOT pie"),
        ("(a1 OR b2) c3", "(a1 OR b2) AND c3"),
        ("#galaxy lang:ko", "galaxy"),  # no hashtags or language on Reddit: relaxed
        ("apple NOT lang:en", "apple"),
        ("apple NOT #ad", "apple"),  # a negated hashtag would drop posts with the bare word
        ("apple NEAR/2 battery", "apple AND battery"),
    ],
)
def test_to_reddit(query, expected):
    assert to_reddit(parse(query)) == expected


@pytest.mark.parametrize("query", ["NOT apple", "lang:en", "-apple -pie"])
def test_native_search_needs_a_positive_term(query):
    with pytest.raises(QueryCompileError, match="no positive term"):
        to_x(parse(query))
    with pytest.raises(QueryCompileError, match="no positive term"):
        to_reddit(parse(query))


def test_to_elasticsearch_is_structured():
    dsl = to_elasticsearch(parse('(apple OR "갤럭시") NOT #ad lang:ko apple NEAR/3 battery'), text_field="body")
    text = json.dumps(dsl, ensure_ascii=False)
    assert "query_string" not in text and "simple_query_string" not in text
    bool_ = dsl["bool"]
    assert {"match_phrase": {"body": "ad"}} in bool_["must_not"]
    should = bool_["must"][0]["bool"]["should"]
    assert {"match_phrase": {"body": "apple"}} in should
    assert {"prefix": {"body": {"value": "갤럭시"}}} in should
    assert {"term": {"lang": {"value": "ko", "case_insensitive": True}}} in bool_["must"][1]["bool"]["should"]
    # NEAR: each order as an ordered span_near (an unordered one lets one word stand for both operands).
    orders = [c["span_near"] for c in bool_["must"][2]["span_or"]["clauses"]]
    assert [(o["slop"], o["in_order"]) for o in orders] == [(3, True), (3, True)]
    assert orders[0]["clauses"] == orders[1]["clauses"][::-1]


def test_to_elasticsearch_hostile_text_stays_a_phrase():
    # ('"title:* OR ..."' is a syntax error now: a '*' only ends a word, tests/query/test_prefix.py.)
    dsl = to_elasticsearch(parse('"title:x? OR _exists_:x AND"'))
    assert dsl == {"match_phrase": {"text": "title x or _exists_ x and"}}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Short words are bounded by the column's spaces: long enough for a trigram, exact at word edges.
        ("ab OR xy", '" ab " OR " xy "'),
        ("5G", '" 5g "'),
        ("NOT apple", None),
        ("lang:ko", None),
        ("삼", None),  # a Hangul word matches as a prefix: ' 삼' is shorter than a trigram
        # A form starts with the stem or is the word itself; French y -> i ('payer' -> 'pai'): the common prefix.
        ("payer~fr", '" pa"'),
        ("Люмора~ru", '" люмор"'),
        ("apple NOT pie", '" apple "'),
        ('"apple watch" OR 苹果', '" apple watch " OR " 苹 果 "'),
        ('"갤럭시 배터리"', '" 갤럭시" AND " 배터리"'),
    ],
)
def test_to_fts5_normalized(query, expected):
    assert to_fts5(parse(query), normalized=True) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"apple watch" OR 苹果', None),  # Han characters are too short alone: an OR branch is unbounded
        # Latin words match accented spellings ('apple' finds 'äpple'): raw text cannot prefilter them
        ('"apple watch" 苹果', None),
        ("caffè OR espresso", None),
        ("2024 갤럭시 NOT 삼성", '"2024" AND "갤럭시"'),
        ("спасибо apple", '"спасибо"'),
        # е and ё stand for each other ('аленка' finds 'Алёнка'): raw text cannot prefilter them either
        ("интернет OR алёнка", None),
    ],
)
def test_to_fts5_raw(query, expected):
    assert to_fts5(parse(query)) == expected


@pytest.mark.parametrize("normalized", [True, False])
def test_fts5_prefilter_is_a_superset_on_a_real_trigram_table(normalized):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE posts USING fts5(doc, tokenize='trigram')")
    texts = sorted({text for _, text, _, _ in CASES})
    docs = [(i, fts5_column(t) if normalized else t) for i, t in enumerate(texts)]
    db.executemany("INSERT INTO posts(rowid, doc) VALUES (?, ?)", docs)
    checked = 0
    for query, _, _, _ in CASES:
        q = parse(query)
        expr = to_fts5(q, normalized=normalized)
        if expr is None:
            continue
        rows = {r for (r,) in db.execute("SELECT rowid FROM posts WHERE posts MATCH ?", (expr,))}
        for i, text in enumerate(texts):
            if q.matches(text, lang=None) or q.matches(text, lang="ko"):
                assert i in rows, f"{query!r} -> {expr!r} missed {text!r}"
        checked += 1
    # Raw text can only be prefiltered on tokens without Latin letters (accents are folded).
    assert checked > (30 if normalized else 5)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("acme", ["acme"]),
        ('(acme OR "acme corp") NOT spam lang:en', ["acme", '"acme corp"']),
        ("#acme (battery OR screen OR charger)", ["#acme"]),
        ("(a1 OR b2) (c3 OR d4 OR e5)", ["a1", "b2"]),
        ("acme NEAR/3 battery", ["acme"]),
        ("@acme OR 苹果", ["@acme", '"苹果"']),
        # A keyword API may not search emoji: of two one-term covers, the word is searched.
        ("😡 lumora", ["lumora"]),
        ("lumora 😡", ["lumora"]),
        ("😡 OR lumora", ['"😡"', "lumora"]),
    ],
)
def test_search_terms_cover_every_match(query, expected):
    assert search_terms(parse(query)) == expected


@pytest.mark.parametrize("query", ["NOT acme", "lang:ko", "acme OR NOT spam"])
def test_search_terms_refuse_unbounded_queries(query):
    with pytest.raises(QueryCompileError):
        search_terms(parse(query))


def test_an_inflected_term_prefixes_on_the_common_prefix_of_word_and_stem_on_elasticsearch():
    # French stems rewrite y -> i ('payer' -> 'pai'): a prefix on the stem never found the word itself.
    dsl = to_elasticsearch(parse("payer~fr"))
    assert dsl == {"prefix": {"text": {"value": "pa"}}}
    assert parse("payer~fr").matches("Je vais payer demain")


@pytest.mark.parametrize("compile_to", [to_x, to_reddit, search_terms])
def test_a_prefix_is_refused_where_the_api_cannot_search_one_and_a_negated_one_dropped(compile_to):
    # Searching the bare stem 'Lumor' would collect only posts with that exact word: config check says so.
    with pytest.raises(QueryCompileError, match="no prefix wildcard.*'Lumor\\*'.*write the whole words"):
        compile_to(parse("Lumor* OR #lumora"))
    # A negated prefix only narrows: left out of the API query, the store's filter still applies it.
    assert "overheat" not in str(compile_to(parse("lumora -overheat*")))
