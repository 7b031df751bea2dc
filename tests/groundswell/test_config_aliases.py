"""`brands[].aliases` and `inflect` in the config: what is accepted, and one clear line per problem."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from groundswell.config import parse_config


def _config(**brand: object) -> dict:
    return {"brands": [{"name": "Lumora", "query": "Lumora", **brand}]}


def test_aliases_extend_the_query_and_say_which_matched() -> None:
    aliases = ["Люмора", {"text": "Lumora Beach", "inflect": False}]
    brand = parse_config(_config(aliases=aliases, inflect=["ru"])).brands[0]
    assert brand.search_query == 'Lumora OR Люмора~ru OR "Lumora Beach"'
    assert brand.terms().matched("Купил Люмору") == ["Люмора"]
    assert brand.terms().matched("Lumora") == ["query"]
    assert brand.terms().matched("Sonique") == []


def test_no_aliases_keeps_the_query_as_is() -> None:
    assert parse_config(_config()).brands[0].search_query == "Lumora"


@pytest.mark.parametrize(
    ("brand", "line"),
    [
        ({"aliases": [""]}, "brands.0 (Lumora).aliases.0: an alias is empty: remove it or write the name"),
        ({"aliases": ["##"]}, "brands.0 (Lumora).aliases.0: alias '##': bad hashtag '##'"),
        ({"aliases": ['Lu"mora']}, "brands.0 (Lumora).aliases.0: alias 'Lu\"mora': remove the quotation marks"),
        ({"aliases": ["Люмора~ru"]},
         "brands.0 (Lumora).aliases.0: 'Люмора~ru': write the alias without '~' and set inflect"),
        ({"aliases": ["Люмора", "люмора"]}, "brands.0 (Lumora).aliases.1: 'люмора' repeats aliases.0: remove one"),
        ({"aliases": [{"text": "#lumora", "inflect": "ru"}]}, "#hashtags and @handles are matched as written"),
        ({"aliases": [{"text": "Lumora", "inflect": "ru"}]}, "'~ru' inflects Cyrillic words; 'lumora' is not one"),
        ({"aliases": [{"text": "Lumora", "inflect": "xx"}]}, "inflect: 'xx' is not a language we inflect"),
        ({"aliases": [{"text": "Lumora", "inflect": True}]}, "'inflect: true' needs the language: inflect: it"),
        ({"aliases": ["Lumora Beach"], "inflect": ["it", "es"]}, "inflect lists it, es for Latin script"),
        ({"inflect": ["zz"]},
         "brands.0 (Lumora).inflect: unknown language 'zz'; one of de, en, es, fr, it, pl, pt, ru"),
        ({"aliases": [5]}, "brands.0 (Lumora).aliases: item 0 is int: write a name, or {text: NAME"),
        ({"aliases": [{"txt": "x"}]}, "brands.0 (Lumora).aliases.0.txt: unknown key"),
    ],
)
def test_alias_problems_are_one_line_each(brand: dict, line: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_config(**brand))
    assert line in str(err.value)


def test_every_alias_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_config(aliases=["", "##", "ok"], inflect=["zz"]))
    assert "(3 problem(s))" in str(err.value)


def test_inflect_true_on_a_cyrillic_alias_means_russian() -> None:
    brand = parse_config(_config(aliases=[{"text": "Люмора", "inflect": True}])).brands[0]
    assert brand.terms().matched("с Люморой") == ["Люмора"]
