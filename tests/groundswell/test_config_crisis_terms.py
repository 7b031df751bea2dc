"""`brands[].crisis_terms`: the shapes of aliases (a string, `{text, inflect}`), the brand's `inflect`, term groups,
and one clear line per problem, from `groundswell config check` too."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from alerts.keyword import crisis_series
from core.errors import ConfigError
from core.query import parse
from groundswell.cli import cli
from groundswell.config import parse_config


def _brand(**brand: object):
    return parse_config({"brands": [{"name": "Lumora", "query": "Lumora", **brand}]}).brands[0]


def _series(**brand: object):
    b = _brand(**brand)
    found, problems = crisis_series(b.crisis_terms, b.inflect)
    assert problems == []
    return found


def test_an_italian_term_matches_its_inflected_forms_with_the_real_stemmer() -> None:
    (series,) = _series(crisis_terms=[{"text": "surriscaldamento", "inflect": "it"}])
    assert series.name == "surriscaldamento" and series.query == '"surriscaldamento"~it'
    query = parse(series.query)
    for text in ("Il mio Lumora Pulse si è surriscaldato in carica", "batteria surriscaldata, è uscito fumo",
                 "il Pulse si surriscalda ogni sera", "Surriscaldamento del Lumora Pulse, è pericoloso"):
        assert query.matches(text, "it"), text
    assert not query.matches("il Pulse è caldo", "it") and not query.matches("riscaldamento acceso", "it")


def test_the_brands_inflect_applies_to_plain_russian_terms_as_to_aliases() -> None:
    # Snowball stems the verb's forms to one stem: the infinitive finds every tense and person.
    (series,) = _series(crisis_terms=["перегреваться"], inflect=["ru"])
    assert series.name == "перегреваться" and series.query == '"перегреваться"~ru'
    query = parse(series.query)
    for text in ("Осторожно: батарея Lumora Pulse перегревается", "телефоны Lumora перегреваются при зарядке",
                 "мой Lumora перегревался всю ночь"):
        assert query.matches(text, "ru"), text
    assert not query.matches("Lumora Pulse греется", "ru")
    # As for aliases: a term's own `inflect: false` keeps it exact; a Latin term is not inflected by `ru`.
    exact, latin = _series(crisis_terms=[{"text": "перегреваться", "inflect": False}, "recall"], inflect=["ru"])
    assert exact.query == '"перегреваться"' and latin.query == '"recall"'


def test_plain_terms_are_counted_as_before() -> None:
    found = _series(crisis_terms=["recall", "“hidden fees”", "过热", "#recall2"])
    assert [(s.name, s.query) for s in found] == [
        ("recall", '"recall"'), ("“hidden fees”", '"hidden fees"'), ("过热", '"过热"'), ("#recall2", '"#recall2"'),
    ]
    assert not any(s.group for s in found)


def test_a_group_is_one_series_named_by_its_name() -> None:
    terms = ["overheating", "过热", {"text": "surriscaldamento", "inflect": "it"}, "перегреваться"]
    (series,) = _series(crisis_terms=[{"name": "overheating", "any": terms}], inflect=["ru"])
    assert series.name == "overheating" and series.group
    assert series.query == '"overheating" OR "过热" OR "surriscaldamento"~it OR "перегреваться"~ru'
    assert [t for t, _ in series.terms] == ["overheating", "过热", "surriscaldamento", "перегреваться"]


@pytest.mark.parametrize(
    ("terms", "line"),
    [
        (["перегрев~ru"],
         "brands.0 (Lumora).crisis_terms.0: 'перегрев~ru': write the term without '~' and set inflect instead"),
        ([{"name": "heat", "any": ["ok", "caldo~it"]}],
         "brands.0 (Lumora).crisis_terms.0 (heat).any.1: 'caldo~it': write the term without '~'"),
        ([""], "brands.0 (Lumora).crisis_terms.0: a term is empty: remove it or write the word"),
        (["recall", "Recall"], "brands.0 (Lumora).crisis_terms.1: 'Recall' repeats crisis_terms.0: remove one"),
        (["recall", {"name": "recall", "any": ["rappel"]}],
         "brands.0 (Lumora).crisis_terms.1 (recall): 'recall' repeats crisis_terms.0"),
        ([{"name": "g", "any": ["a", "A"]}],
         "brands.0 (Lumora).crisis_terms.0 (g).any.1: 'A' repeats crisis_terms.0.any.0"),
        ([{"name": " ", "any": ["a"]}], "brands.0 (Lumora).crisis_terms.0.name: a group's name is empty"),
        ([{"text": "#lumora", "inflect": "ru"}], "term '#lumora': #hashtags and @handles are matched as written"),
        ([{"text": "recall", "inflect": "ru"}], "'~ru' inflects Cyrillic words; 'recall' is not one"),
        ([{"text": "recall", "inflect": "xx"}], "term 'recall': inflect: 'xx' is not a language we inflect"),
        ([{"text": "recall", "inflect": True}], "term 'recall': 'inflect: true' needs the language: inflect: it"),
        ([5], "brands.0 (Lumora).crisis_terms: item 0 is int: write a term, {text: TERM, inflect: ru}, or {name"),
        ([{"txt": "x"}], "brands.0 (Lumora).crisis_terms.0.txt: unknown key"),
        ([{"name": "g", "any": []}], "brands.0 (Lumora).crisis_terms.0 (g).any: List should have at least 1 item"),
    ],
)
def test_crisis_term_problems_are_one_line_each(terms: list, line: str) -> None:
    with pytest.raises(ConfigError) as err:
        _brand(crisis_terms=terms)
    assert line in str(err.value)


def test_two_latin_languages_need_a_choice_for_a_latin_term() -> None:
    with pytest.raises(ConfigError) as err:
        _brand(crisis_terms=["surriscaldamento"], inflect=["it", "es"])
    assert "term 'surriscaldamento': inflect lists it, es for Latin script; say which one for this term" in str(
        err.value
    )


def test_config_check_refuses_a_tilde_inside_a_term(tmp_path: Path) -> None:
    """Before, `перегрев~ru` passed the check and was counted as the literal text 'перегрев~ru': no post has it."""
    brands = [{"name": "Acme", "query": "acme", "crisis_terms": ["перегрев~ru", {"name": "heat", "any": ["a~it"]}]}]
    path = write_config(tmp_path, brands=brands)
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 1, result.output
    assert (
        "brands.0 (Acme).crisis_terms.0: 'перегрев~ru': write the term without '~' and set inflect instead"
        in result.output
    )
    assert "brands.0 (Acme).crisis_terms.1 (heat).any.0: 'a~it': write the term without '~'" in result.output


def test_config_check_accepts_groups_and_inflected_terms(tmp_path: Path) -> None:
    terms = ["recall", {"text": "перегреваться", "inflect": "ru"},
             {"name": "overheating", "any": ["overheating", "过热", {"text": "surriscaldamento", "inflect": "it"}]}]
    path = write_config(tmp_path, brands=[{"name": "Acme", "query": "acme", "crisis_terms": terms}])
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 0, result.output
