"""`config check` warns about brands that would count the same posts, comparing names as matching does.

Before, aliases were compared as written (spaces collapsed, case folded) and an alias never with another brand's
query: `蘋果`/`苹果`, `Ｌｕｍｏｒａ`/`Lumora` and the queries `Lumora`/`Lumorá` passed as OK, while `ingest` then
counted their posts for both brands. Each warned case is checked against the matcher: a post naming it is one
both brands match (groundswell/brand_overlaps.py, docs/brands.md "Brands that overlap").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from groundswell.cli import cli
from groundswell.config import parse_config


def _check(tmp_path: Path, brands: list[dict]) -> tuple[int, str]:
    (tmp_path / "g.db").write_bytes(b"")  # no "store does not exist yet" note in the output
    result = CliRunner().invoke(cli, ["config", "check", str(write_config(tmp_path, brands=brands))])
    return result.exit_code, result.output


def _both_match(brands: list[dict], post: str) -> bool:
    config = parse_config({"brands": brands, "sources": [], "store": {"type": "sqlite", "path": "unused.db"}})
    return all(brand.terms().matches(post) for brand in config.brands)


CASES = [
    pytest.param(
        [{"name": "Apple", "query": "Apple", "aliases": ["苹果"]},
         {"name": "FruitCo", "query": "FruitCo", "aliases": ["蘋果"]}],
        "brands.1 (FruitCo).aliases.0: '蘋果' is also an alias of 'Apple' (written '苹果')",
        "我爱蘋果手機",
        id="traditional-and-simplified-alias",
    ),
    pytest.param(
        [{"name": "Lumora", "query": "Lumora"}, {"name": "Nestle", "query": "Nestle", "aliases": ["Ｌｕｍｏｒａ"]}],
        "brands.1 (Nestle).aliases.0: 'Ｌｕｍｏｒａ' is matched by the query of 'Lumora'",
        "Lumora is great",
        id="full-width-alias-and-query",
    ),
    pytest.param(
        [{"name": "Lumora", "query": "Lumora"}, {"name": "LumoraPulse", "query": "Lumorá"}],
        "brands.1 (LumoraPulse).query: the same query as 'Lumora'",
        "Lumora is great",
        id="queries-differing-in-accent",
    ),
    pytest.param(
        [{"name": "Walmart", "query": "Walmart OR @walmart"}, {"name": "Costco", "query": '@WALMART OR "walmart"'}],
        "brands.1 (Costco).query: the same query as 'Walmart'",
        "@walmart lost my order",
        id="queries-in-another-order-and-quoted",
    ),
    pytest.param(
        [{"name": "Pulse", "query": "Pulsar", "aliases": ["Lumora Pulse"]}, {"name": "Lumora", "query": "Lumora"}],
        "brands.1 (Lumora).query: it matches 'Lumora Pulse', an alias of 'Pulse'",
        "my Lumora Pulse overheats",
        id="later-query-matches-an-alias",
    ),
    pytest.param(
        [{"name": "Pulse", "query": "Pulsar", "aliases": ["Lumora Pulse"]},
         {"name": "Lumora", "query": "Lumix", "aliases": ["lumorá"]}],
        "brands.1 (Lumora).aliases.0: 'lumorá' matches 'Lumora Pulse', an alias of 'Pulse'",
        "my Lumora Pulse overheats",
        id="alias-matches-an-earlier-alias",
    ),
    pytest.param(
        [{"name": "Samsung", "query": "Samsung OR 삼성"},
         {"name": "Galaxy", "query": "Galaxy", "aliases": ["삼성전자"]}],
        "brands.1 (Galaxy).aliases.0: '삼성전자' is matched by the query of 'Samsung'",
        "삼성전자 신제품",
        id="hangul-word-start",
    ),
]


@pytest.mark.parametrize(("brands", "warning", "post"), CASES)
def test_names_that_match_the_same_posts_are_a_warning(tmp_path: Path, brands, warning: str, post: str) -> None:
    code, out = _check(tmp_path, brands)
    assert code == 3, out
    assert warning in out, out
    assert _both_match(brands, post)  # the warning is true: ingest counts such a post for both brands


@pytest.mark.parametrize("brands", [
    [{"name": "Apple", "query": "Apple AND NOT pie"}, {"name": "Bakery", "query": "Bakery", "aliases": ["Apple pie"]}],
    [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique", "aliases": ["ソニーク", "소니크"]}],
    [{"name": "Lumora", "query": "Lumora lang:ko"}, {"name": "LumoraJP", "query": "Lumora lang:ja"}],
])
def test_brands_whose_names_do_not_overlap_pass(tmp_path: Path, brands) -> None:
    code, out = _check(tmp_path, brands)
    assert code == 0, out
