"""Prefix terms (`overheat*`) and English word forms (`burned~en`): parsed, matched locally, compiled for both
stores, refused with a message naming the fix where they cannot mean anything (docs/query-language.md)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from alerts.keyword import crisis_series
from core.query import QuerySyntaxError, parse
from core.query.ast import Not, Term
from core.query.names import name_spans
from groundswell.cli import cli
from groundswell.config import parse_config
from indexing.elasticsearch_query import to_elasticsearch
from indexing.sqlite_query import fts5_column, to_fts5


def test_a_star_after_a_word_makes_it_a_prefix() -> None:
    assert parse("overheat*").root == Term("overheat*", ("overheat",), prefix=(0,))
    assert parse("-Lumor*").root == Not(Term("Lumor*", ("lumor",), prefix=(0,)))
    # Inside quotes too: a crisis term or an alias is a phrase (`"overheat*"`); a '*' may end any of its words.
    assert parse('"battery overheat*"').root == Term("battery overheat*", ("battery", "overheat"), True, prefix=(1,))
    assert parse('"lumor* pulse"').root.prefix == (0,)
    assert parse("e-bik*").root == Term("e-bik*", ("e", "bik"), prefix=(1,))  # the word's last token
    assert parse("lumor＊").root.prefix == (0,)  # a fullwidth '*' (CJK keyboards) is read as '*'
    assert parse("overheat").root.prefix == ()


def test_prefix_terms_print_back_as_written() -> None:
    for text in ["Lumor* OR #lumora", '"battery overheat*" NOT overheat', "(lumor* OR люмор*) NEAR/2 battery"]:
        assert parse(str(parse(text))).root == parse(text).root
    assert str(parse("Lumor*")) == "Lumor*"


@pytest.mark.parametrize(
    ("query", "column", "problem"),
    [
        # Before, each of these parsed as the words without the '*' and matched something else, silently.
        ("*ora", 1, "'*ora': a '*' before a word is only for Hangul (*과열 finds 충전중과열됨"),
        ("acme *", 6, "'*': '*' goes right after a word"),
        ("lu*ra", 3, "'lu*ra': '*' can only end a word (overheat*: every word that starts with overheat)"),
        ("lumor**", 6, "'*' can only end a word"),
        ('"E*Trade"', 3, 'for a name written with a \'*\' (E*Trade), put a space there: "E Trade"'),
        ('"title:* OR x"', 8, "'title:*': '*' goes right after a word"),
        ("ab*", 3, "a prefix needs at least 3 letters or digits before the '*'"),
        ("5g*", 3, "a prefix needs at least 3 letters or digits"),
        ('"acme ab*"', 9, "a prefix needs at least 3"),
        ("acme lumor*~ru", 12, "'lumor*~ru': '*' and '~ru' do not go together"),
        ('"lumor*"~it', 9, "'*' and '~it' do not go together"),
        ("lumor~ru*", 6, "'*' and '~ru*' do not go together"),
        ("#lumor*", 7, "'#lumor*': '*' makes a word a prefix; #hashtags are matched whole"),
        ("@lumor*", 7, "@handles are matched whole"),
        # Hangul words already match as prefixes; Han and kana match inside longer text: '*' would add nothing.
        ("삼성*", 3, "a Hangul word already matches every word that starts with it (삼성 finds 삼성은): drop the '*'"),
        ("LG전자*", 5, "a Hangul word already matches"),
        ("苹果*", 3, "Chinese, Japanese, Thai, Lao, Khmer and Myanmar words are matched anywhere in the text"),
        ('"ソニー*"', 5, "Chinese, Japanese"),
    ],
)
def test_a_star_that_cannot_be_a_prefix_is_a_syntax_error(query: str, column: int, problem: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    assert info.value.position == column, str(info.value)
    assert problem in info.value.message


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("overheat*", ["My Lumora keeps overheating", "it overheats", "OVERHEAT warning", "x overheats-free"],
         ["overhead bin", "over heating"]),
        # Accents and case folded, as every match; a hashtag's word is a word of the text; a change of script
        # ends a word; a prefix starts the word.
        ("Lumor*", ["Me encanta Lumorá", "#Lumora day", "我爱Lumora手机"], ["Lu mora", "ilumora"]),
        ("lumór*", ["LUMORAS everywhere"], ["lumbar"]),
        ("люмор*", ["Люморы нет", "ЛЮМОРКА"], ["люмос", "Lumora"]),
        ("İstan*", ["İSTANBUL'da", "istanbul"], ["estanbul"]),
        ('"battery overheat*"', ["Battery overheating again"], ["overheating battery", "battery is overheating"]),
        ('"lumor* pulse"', ["the Lumora Pulse"], ["the Lumora new Pulse"]),
        ("lumor* NEAR/1 battery", ["Lumoras new battery"], ["Lumoras very new battery"]),
        ("NOT overheat*", ["all fine"], ["it overheated"]),
    ],
)
def test_a_prefix_matches_every_word_it_starts(query: str, found: list[str], not_found: list[str]) -> None:
    q = parse(query)
    assert [t for t in found if not q.matches(t)] == []
    assert [t for t in not_found if q.matches(t)] == []


def test_highlighting_and_masking_find_the_words_a_prefix_starts() -> None:
    q = parse('Lumor* OR "battery overheat*"')
    assert q.positive_terms() == ["Lumor", "battery overheat"]  # what the highlighters look for
    text = "Lumoras: battery overheating, ilumora"
    assert [text[a:b] for a, b in name_spans(text, [q.root])] == ["Lumoras", "battery overheating"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("overheat*", '" overheat"'),  # no space after: any word that starts with it
        ('"battery overheat*"', '" battery overheat"'),
        ('"lumor* pulse"', '" lumor" AND " pulse "'),
        ("Lumor* OR #lumora", '" lumor" OR " #lumora "'),  # a hashtag is its own " #tag " entry in the index
        ("lumór* NEAR/2 battery", '" lumor" AND " battery "'),
    ],
)
def test_fts5_looks_for_a_prefix_without_the_space_after_it(query: str, expected: str) -> None:
    assert to_fts5(parse(query), normalized=True) == expected


def test_fts5_prefilter_of_prefixes_is_a_superset_on_a_real_trigram_table() -> None:
    texts = ["Lumora overheating", "LUMORÁS", "ilumora", "Lu mora", "overhead", "battery overheats", "Люморы",
             "Люмора", "люмос"]
    queries = {"Lumor*": {0, 1}, "overheat*": {0, 5}, '"battery overheat*"': {5}, "люмор*": {6, 7},
               "lumor* OR overheat*": {0, 1, 5}}
    assert {query: {i for i, t in enumerate(texts) if parse(query).matches(t)} for query in queries} == queries
    for normalized in (True, False):
        db = sqlite3.connect(":memory:")
        db.execute("CREATE VIRTUAL TABLE posts USING fts5(doc, tokenize='trigram')")
        db.executemany("INSERT INTO posts(rowid, doc) VALUES (?, ?)",
                       [(i, fts5_column(t) if normalized else t) for i, t in enumerate(texts)])
        for query in queries:
            expr = to_fts5(parse(query), normalized=normalized)
            if expr is None:
                continue
            rows = {r for (r,) in db.execute("SELECT rowid FROM posts WHERE posts MATCH ?", (expr,))}
            want = {i for i, t in enumerate(texts) if parse(query).matches(t)}
            assert want <= rows, (query, expr)
            if normalized:
                assert rows == want, (query, expr)  # the column holds the folded tokens: exact


def test_elasticsearch_compiles_a_prefix_to_prefix_clauses() -> None:
    def es(query: str) -> dict:
        return to_elasticsearch(parse(query), text_field="f", folded=True)

    # One word: a plain prefix query (a span_multi prefix fails past max_clause_count matching words).
    assert es("Lumór*") == {"prefix": {"f": {"value": "lumor"}}}
    assert es('"battery overheat*"') == {"span_near": {"clauses": [
        {"span_term": {"f": "battery"}}, {"span_multi": {"match": {"prefix": {"f": {"value": "overheat"}}}}}],
        "slop": 0, "in_order": True}}
    near = es("lumor* NEAR/2 battery")["span_or"]["clauses"][0]["span_near"]["clauses"]
    assert near == [{"span_multi": {"match": {"prefix": {"f": {"value": "lumor"}}}}}, {"span_term": {"f": "battery"}}]
    # NOT excludes exactly what the prefix matches (it is exact, unlike an inflected term's stem).
    assert es("acme NOT overheat*")["bool"]["must_not"] == [{"prefix": {"f": {"value": "overheat"}}}]
    # On the plain text field (highlighting): the normalised, unfolded word.
    assert to_elasticsearch(parse("Lumór*")) == {"prefix": {"text": {"value": "lumór"}}}


# -- English word forms (`word~en`) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "forms", "others"),
    [
        # Snowball's English stemmer maps regular forms to one stem; it leaves irregular ones alone (burnt).
        ("burned~en", ["burn", "burns", "burned", "burning", "BURNED"], ["burnt", "burner", "burnout", "Burnley"]),
        ("battery~en", ["battery", "batteries"], ["batter", "batters", "bat"]),
        ("party~en", ["party", "parties"], ["part", "parts"]),
        ("recall~en", ["recall", "recalls", "recalled", "recalling"], ["recap"]),
        ("alias~en", ["aliases"], ["alien"]),  # alias -> alia, aliases -> alias: the word itself is the stem
        ('"phone overheated"~en', ["phone overheating", "phones overheated"], ["phone overheat", "phone overhead"]),
    ],
)
def test_english_word_forms(term: str, forms: list[str], others: list[str]) -> None:
    q = parse(term)
    assert [q.matches(f"my {w} today", "en") for w in forms] == [True] * len(forms)
    assert [q.matches(f"my {w} today", "en") for w in others] == [False] * len(others)


def test_english_is_an_inflection_language_for_latin_words_only() -> None:
    assert parse("burned~EN").root == Term("burned", ("burned",), inflect="en")
    with pytest.raises(QuerySyntaxError, match="'~en' inflects Latin words; 'сгорел' is not one"):
        parse("сгорел~en")
    # The stores look for what every form starts with: the common prefix of the word and its stem.
    assert to_fts5(parse("burned~en"), normalized=True) == '" burn"'
    assert to_elasticsearch(parse("burned~en")) == {"prefix": {"text": {"value": "burn"}}}


# -- configuration: what `groundswell config check` accepts is what the stores can search ----------------------


def _brand(**brand: object):
    return parse_config({"brands": [{"name": "Lumora", "query": "Lumora", **brand}]}).brands[0]


def test_prefix_crisis_terms_and_aliases_match_every_word_they_start() -> None:
    brand = _brand(query="Lumor* OR #lumora", aliases=["Pulsar*"], crisis_terms=["overheat*"], inflect=["en"])
    (series,), problems = crisis_series(brand.crisis_terms, brand.inflect)
    # The brand's `inflect` does not apply to a prefix (it already finds every word it starts).
    assert problems == [] and series.query == '"overheat*"'
    assert parse(series.query).matches("Lumora keeps overheating")
    terms = brand.terms()
    assert terms.matched("Lumoras everywhere") == ["query"]
    assert terms.matched("the Pulsars are out") == ["Pulsar*"]
    assert not terms.matches("ilumora pulse")


def test_english_crisis_terms_inflect_through_the_brands_languages() -> None:
    (series,), problems = crisis_series(_brand(crisis_terms=["burned"], inflect=["en"]).crisis_terms, ["en"])
    assert problems == [] and series.query == '"burned"~en'
    assert parse(series.query).matches("my Lumora is burning", "en")


def test_config_check_refuses_a_star_the_stores_cannot_search(tmp_path: Path) -> None:
    """Before, every '*' was dropped: the check said OK and the brand or term matched the bare word only."""
    brands = [{"name": "Acme", "query": "acme OR *ora"}, {"name": "Globex", "query": "globex", "aliases": ["lu*ra"],
               "crisis_terms": ["ab*", {"name": "heat", "any": ["过热*"]}, {"text": "overheat*", "inflect": "en"}]}]
    result = CliRunner().invoke(cli, ["config", "check", str(write_config(tmp_path, brands=brands))])
    assert result.exit_code == 1, result.output
    for line in [
        "brands.0 (Acme).query: bad query: column 9: '*ora': a '*' before a word is only for Hangul",
        "brands.1 (Globex).aliases.0: alias 'lu*ra': 'lu*ra': '*' can only end a word",
        "brands.1 (Globex).crisis_terms.0: 'ab*': column 4: 'ab*': a prefix needs at least 3 letters or digits",
        "brands.1 (Globex).crisis_terms.1 (heat).any.0: '过热*': column 4: '过热*': Chinese, Japanese",
        "brands.1 (Globex).crisis_terms.2: 'overheat*': column 12: '\"overheat*\"~en': "
        "'*' and '~en' do not go together",
    ]:
        assert line in result.output


def test_config_check_accepts_prefixes_and_english(tmp_path: Path) -> None:
    brands = [{"name": "Acme", "query": "Lumor* OR #lumora", "aliases": ["Pulsar*"], "inflect": ["en"],
               "crisis_terms": ["overheat*", "burned", {"name": "fire", "any": ['"battery overheat*"', "smoke"]}]}]
    result = CliRunner().invoke(cli, ["config", "check", str(write_config(tmp_path, brands=brands))])
    assert result.exit_code == 0, result.output
    # What it accepted compiles for both stores.
    brand = parse_config(json.loads(write_config(tmp_path, brands=brands).read_text(encoding="utf-8"))).brands[0]
    for text in [brand.search_query, *(s.query for s in crisis_series(brand.crisis_terms, brand.inflect)[0])]:
        assert to_fts5(parse(text), normalized=True) and to_elasticsearch(parse(text), folded=True)


@pytest.mark.parametrize("query", ["lum?ra", '"lum?ra case"', "lum？ra"])
def test_a_question_mark_wildcard_is_refused_not_searched_as_a_phrase(query):
    # Brandwatch's one-letter wildcard: tokens drop the '?', so 'lum?ra' silently searched "lum ra".
    with pytest.raises(QuerySyntaxError, match="one-letter wildcard is not supported"):
        parse(query)


def test_a_question_mark_ending_a_word_is_punctuation():
    assert parse('"is it broken?" OR broken?').matches("is it broken? asking for a friend")
