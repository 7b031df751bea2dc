"""Brands that would be one brand, or count the same posts twice: `config check` through the CLI.

Before, "Target" and "target" (or "Target ") passed, though routes compare names without case (a route got both);
an alias on two brands and two brands with one query passed silently, each post then counted for both.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from groundswell.cli import cli


def _check(tmp_path: Path, brands: list[dict]) -> tuple[int, str]:
    (tmp_path / "g.db").write_bytes(b"")  # no "store does not exist yet" note in the output
    result = CliRunner().invoke(cli, ["config", "check", str(write_config(tmp_path, brands=brands))])
    return result.exit_code, result.output


@pytest.mark.parametrize("twin", ["target", "Target ", " TARGET"])
def test_brand_names_equal_but_for_case_or_spacing_are_an_error(tmp_path: Path, twin: str) -> None:
    code, out = _check(tmp_path, [{"name": "Target", "query": "Target"}, {"name": twin, "query": "Walmart"}])
    assert code == 1, out
    assert f"brands.1 ({twin.strip()}).name: {twin!r} differs from brand 'Target' only in case or spacing" in out


def test_brand_names_differing_in_more_pass(tmp_path: Path) -> None:
    code, out = _check(tmp_path, [{"name": "Target", "query": "Target"}, {"name": "Target US", "query": "Walmart"}])
    assert code == 0, out


def test_an_alias_on_two_brands_is_a_warning(tmp_path: Path) -> None:
    code, out = _check(tmp_path, [{"name": "Apple", "query": "Apple", "aliases": ["애플"]},
                                  {"name": "Samsung", "query": "Samsung", "aliases": ["삼성", "애플"]}])
    assert code == 3, out
    assert "brands.1 (Samsung).aliases.1: '애플' is also an alias of 'Apple'" in out


def test_two_brands_with_one_query_are_a_warning(tmp_path: Path) -> None:
    code, out = _check(tmp_path, [{"name": "Walmart", "query": "Walmart OR @walmart"},
                                  {"name": "Costco", "query": "walmart  OR @walmart"}])
    assert code == 3, out
    assert "brands.1 (Costco).query: the same query as 'Walmart'" in out
