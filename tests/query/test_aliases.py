"""Aliases across scripts and declension-tolerant terms (core/query/aliases.py, core/query/stem.py)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from core.mention import Mention
from core.query import QuerySyntaxError, parse
from extractors.query_native import search_terms, to_reddit, to_x
from groundswell.config import BrandConfig
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from indexing.sqlite_query import to_fts5

CORPUS = yaml.safe_load((Path(__file__).parent / "alias_corpus.yaml").read_text(encoding="utf-8"))
BRAND = BrandConfig.model_validate(CORPUS["brand"])


@pytest.mark.parametrize("post", CORPUS["posts"], ids=lambda p: p["text"][:30])
def test_corpus_aliases_and_inflected_forms_match_lookalikes_do_not(post: dict) -> None:
    terms = BRAND.terms()
    assert terms.matched(post["text"], post["lang"]) == post["expect"]
    assert terms.matches(post["text"], post["lang"]) is bool(post["expect"])


def test_inflected_term_in_a_query_needs_no_or_per_form() -> None:
    q = parse("Люмора~ru")
    assert [q.matches(t) for t in ("Люморы", "Люмору", "Люморой", "Люморе", "Люмора")] == [True] * 5
    assert [q.matches(t) for t in ("Люмоса", "Люморка", "Лю мора")] == [False] * 3
    assert not parse("Люмора").matches("Люморой")  # without ~ru the word stays whole


def test_italian_plural_with_inflect() -> None:
    assert parse("pizzeria~it").matches("tre pizzerie nuove")
    assert not parse("pizzeria").matches("tre pizzerie nuove")
    assert parse('"Pizzeria Lumora"~it').matches("le pizzerie Lumore")


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("Lumora~ru", "'~ru' inflects Cyrillic words; 'lumora' is not one"),
        ("Люмора~xx", "'~xx' needs a language to inflect in: one of de, en, es, fr, it, pl, pt, ru"),
        ('"Люмора"~', "'~' needs a language"),
    ],
)
def test_bad_inflection_is_a_syntax_error(query: str, problem: str) -> None:
    with pytest.raises(QuerySyntaxError, match=problem):
        parse(query)


def test_inflected_terms_print_back_as_written() -> None:
    assert str(parse('Люмора~ru OR "Pizzeria Lumora"~it')) == 'Люмора~ru OR "Pizzeria Lumora"~it'
    assert parse(str(parse("Люмора~RU"))) == parse("Люмора~ru")


def test_native_searches_include_the_aliases() -> None:
    query = parse(BRAND.search_query)
    x = to_x(query)
    for alias in ("Люмора", "루모라", "露莫拉", '"lumora com"', "#lumora", '"pizzeria lumora"'):
        assert alias in x
    assert "루모라" in to_reddit(query) and "露莫拉" in to_reddit(query)
    assert {"Lumora", "Люмора", "루모라", '"露莫拉"', "#lumora"} <= set(search_terms(query))


def test_sqlite_store_search_finds_inflected_forms_through_its_prefilter(tmp_path: Path) -> None:
    """The FTS5 prefilter looks for the stem: a real store returns every form and no lookalike."""
    texts = ["У Люморы сел аккумулятор", "Доволен Люморой", "Люмоса", "Люморка спит", "пицца"]
    store = SqliteStore(tmp_path / "g.db")
    try:
        list(store.upsert([_mention(i, t) for i, t in enumerate(texts)]))
        assert '" люмор"' in to_fts5(parse("Люмора~ru"), normalized=True)
        found = sorted(m.text for m in store.iter_mentions(Filters(text="Люмора~ru")))
        assert found == ["Доволен Люморой", "У Люморы сел аккумулятор"]
    finally:
        store.close()


def _mention(i: int, text: str) -> Mention:
    return Mention(source="import", native_id=str(i), text=text, created_at=datetime(2026, 11, 1, tzinfo=UTC))


def test_elasticsearch_looks_for_the_stem_as_a_prefix() -> None:
    from indexing.elasticsearch_query import to_elasticsearch

    clause = to_elasticsearch(parse("Люмора~ru"), text_field="text_folded", folded=True)
    assert clause == {"prefix": {"text_folded": {"value": "люмор"}}}


def test_without_the_stemmer_an_inflected_term_is_a_clear_syntax_error() -> None:
    # A missing package cannot be produced by a real part here (it is installed): hide it in a child process.
    code = (
        "import sys; sys.modules['snowballstemmer'] = None\n"
        "from core.query import parse\n"
        "try:\n    parse('Люмора~ru')\nexcept ValueError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "need the snowballstemmer package: pip install snowballstemmer" in out


@pytest.mark.parametrize(
    ("term", "forms", "others"),
    [
        # Snowball strips the dictionary form further than the others (перегрев -> перегр, перегрева -> перегрев):
        # `перегрев~ru` matched only itself.
        ("перегрев~ru", ["перегрева", "перегреве", "перегревом", "перегревы"], ["перегреваться", "перегородка"]),
        ("батарея~ru", ["батареи", "батарею", "батареей", "батарей"], ["батарейка"]),
        ("отзыв~ru", ["отзыва", "отзывы", "отзывом"], ["отзывчивый"]),
        ("telefono~it", ["telefoni"], ["telefonino"]),
        ("Люмора~ru", ["Люморы", "Люмору", "Люморой"], ["Люморка", "Люмоса"]),  # lookalikes stay out
    ],
)
def test_every_form_of_a_word_whose_dictionary_form_snowball_overstems(term, forms, others):
    q = parse(term)
    assert [q.matches(f"у нас {w} опять") for w in forms] == [True] * len(forms)
    assert [q.matches(f"у нас {w} опять") for w in others] == [False] * len(others)
