"""`config check` warns on a brand query no post can match and on one that matches nearly every post (review s67
"querypro", finding 8): `apple AND NOT apple`, `apple -(apple OR pie)` and `apple lang:en lang:fr` collect
nothing; `NOT spam` alone collects every row an import reads. Through the real CLI (click's CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from core.query import parse
from core.query.shape import matches_nearly_everything, never_matches
from groundswell.cli import cli


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("apple AND NOT apple", "it requires apple and excludes it (NOT apple)"),
        ("Apple -APPLE", "it requires Apple and excludes it (NOT APPLE)"),  # compared as matching compares
        ("apple -(apple OR pie)", "it requires apple and excludes it (NOT apple)"),
        ("(apple AND NOT apple) OR (pie AND NOT pie)", "it requires apple and excludes it (NOT apple)"),
        ("apple lang:en lang:fr", "a post has one language, and it requires lang:en and lang:fr at once"),
        ("(x lang:de lang:es) tv", "lang:de and lang:es"),
    ],
)
def test_a_query_no_post_can_match_is_named(query: str, reason: str) -> None:
    assert reason in (never_matches(parse(query).root) or "")


@pytest.mark.parametrize(
    "query",
    ["apple", "apple -pie", "apple OR (pie AND NOT apple)", "(apple AND NOT apple) OR pie", "apple lang:en",
     "apple NOT apples", "lang:en OR lang:fr", "apple NEAR/2 pie -(apple NEAR/5 tart)"],
)
def test_a_query_that_can_match_is_not_named(query: str) -> None:
    assert never_matches(parse(query).root) is None
    assert not matches_nearly_everything(parse(query).root)


@pytest.mark.parametrize("query", ["NOT spam", "-spam -scam", "NOT (a OR b)", "-(a lang:en)"])
def test_a_query_without_a_positive_term_matches_nearly_everything(query: str) -> None:
    assert matches_nearly_everything(parse(query).root)


def _check(tmp_path: Path, query: str, aliases: list[str] | None = None) -> tuple[int, str]:
    brand = {"name": "Apple", "query": query, **({"aliases": aliases} if aliases else {})}
    path = write_config(tmp_path, brands=[brand])
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("apple AND NOT apple", "brands.0 (Apple).query: no post can match it: it requires apple and excludes it"),
        ("apple lang:en lang:fr", "brands.0 (Apple).query: no post can match it: a post has one language"),
        ("apple -(apple OR pie)", "no post can match it"),
        ("NOT spam", "brands.0 (Apple).query: it names no word, tag or lang: a post must hold, so it matches nearly "
                     'every post (an import collects every row for this brand); add the brand\'s name, e.g. '
                     '"Apple" AND (NOT spam)'),
    ],
)
def test_config_check_warns(tmp_path: Path, query: str, says: str) -> None:
    code, output = _check(tmp_path, query)
    assert code == 3, output  # a warning: exit 3
    assert says in " ".join(output.split()), output


def test_config_check_says_the_aliases_still_collect(tmp_path: Path) -> None:
    code, output = _check(tmp_path, "apple AND NOT apple", ["iPhone"])
    assert code == 3 and "(only its aliases collect)" in output, output


def test_a_good_query_passes(tmp_path: Path) -> None:
    code, output = _check(tmp_path, "(apple OR aapl) -stock -stocks")
    assert code == 0, output
