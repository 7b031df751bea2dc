"""Phrases in the quotes other languages write: «…», »…«, „…“, ‚…‘, ‹…› (core/query/parser.py `QUOTE_CLOSERS`).

Before, only `"`, `“` and `”` were quotes: `«Люмора Пульс»` was the AND of two words (`Пульс от Люмора` matched it
and `config check` said OK), and German `„Sonique Akku“` was an error naming the correctly written closing quote
as an unclosed one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from core.query import QuerySyntaxError, parse
from core.query.ast import Term
from extractors.query_native import to_x
from groundswell.cli import cli

PAIRS = ["«…»", "»…«", "»…»", "„…“", "„…”", "‚…‘", "‹…›", "›…‹", "›…›", '"…"', "“…”", '“…"']


@pytest.mark.parametrize("pair", PAIRS)
def test_each_language_s_quotes_make_a_phrase(pair: str) -> None:
    query = pair.replace("…", "battery life")
    assert parse(query).root == Term("battery life", ("battery", "life"), quoted=True)
    assert parse(query).matches("the battery life is short")
    assert not parse(query).matches("life without a battery")


def test_a_russian_phrase_in_guillemets_is_a_phrase_not_two_words() -> None:
    q = parse('«Люмора Пульс» OR "Lumora Pulse"')
    assert not q.matches("Пульс от Люмора не работает")
    assert q.matches("Люмора Пульс снова не работает")
    assert str(q) == '"Люмора Пульс" OR "Lumora Pulse"'


def test_french_guillemets_with_spaces_and_an_inflection() -> None:
    assert parse("« Lumora Pulse »~it").root == parse('"Lumora Pulse"~it').root


def test_a_german_phrase_parses_and_matches() -> None:
    q = parse("„Sonique Akku“ OR Sonique")
    assert q.matches("Der Sonique Akku ist leer")
    assert str(q) == '"Sonique Akku" OR Sonique'


def test_a_quote_of_another_kind_inside_a_phrase_is_text_and_round_trips() -> None:
    q = parse('«the "Pro" model» lumora')
    assert q.matches("lumora: the “Pro” model overheats")
    assert parse(str(q)).root == q.root
    assert to_x(q) == '"the pro model" lumora'


def test_a_quote_ends_a_word_as_a_straight_quote_does() -> None:
    assert parse("lumora«pulse max»").root == parse('lumora "pulse max"').root


@pytest.mark.parametrize(
    ("query", "column", "problem"),
    [
        ("«battery life", 14, "unclosed quote opened at column 1: a phrase opened with « ends with »"),
        ('x „Sonique Akku" OR y', 22, "unclosed quote opened at column 3: a phrase opened with „ ends with “ or ”"),
        ("Lumora» pulse", 14, "unclosed quote opened at column 7: a phrase opened with » ends with « or »"),
        ("a ‹b", 5, "unclosed quote opened at column 3"),
        ("«»", 1, "empty phrase"),
        ('apple "battery life', 20, "unclosed quote opened at column 7"),  # as before, no hint for "
    ],
)
def test_errors_name_the_opening_quote_and_its_closers(query: str, column: int, problem: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    assert info.value.position == column, str(info.value)
    assert problem in info.value.message
    if query.startswith('apple "'):
        assert "ends with" not in info.value.message  # the message a straight quote gave before stays


def test_config_check_accepts_a_german_brand_query(tmp_path: Path) -> None:
    brands = [{"name": "Sonique", "query": "„Sonique Akku“ OR Sonique"}, {"name": "Lumora", "query": "«Люмора Пульс»"}]
    (tmp_path / "g.db").write_bytes(b"")
    result = CliRunner().invoke(cli, ["config", "check", str(write_config(tmp_path, brands=brands))])
    assert result.exit_code == 0, result.output
