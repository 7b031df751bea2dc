"""A brand's query and aliases, each within the query limits, joined for collection (querypro finding 2): the
join adds no nesting level, and a join past the length limit is a config error naming the brand and what to
shorten, not an internal error in `config check` and a failure of every source at ingest."""

from __future__ import annotations

import yaml
from click.testing import CliRunner

from core.query import parse
from core.query.parser import MAX_DEPTH, MAX_LENGTH
from extractors.registry import get_extractor_class
from groundswell.cli import cli
from groundswell.config import load_config

ALIASES = ["iPhone", "Apple Inc"]
# MAX_DEPTH levels (16 `NOT (` pairs): the most the parser takes, so one wrapping '(' more would break it.
DEEP = "apple AND " + "NOT (pie OR " * 16 + "x" + ")" * 16


def _long_query(length: int) -> str:
    words = ["apple"] + [f"w{i:05d}" for i in range(length // 9 + 1)]
    return " OR ".join(words)[:length].rsplit(" OR ", 1)[0]


def _write(tmp_path, query: str) -> str:
    path = tmp_path / "groundswell.yaml"
    config = {
        "brands": [{"name": "Apple", "query": query, "aliases": ALIASES}],
        "sources": [{"type": "hackernews"}],
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_a_query_at_the_depth_limit_with_aliases_is_collected(tmp_path):
    parse(DEEP)  # exactly at the limit on its own
    assert MAX_DEPTH == 32
    path = _write(tmp_path, DEEP)
    result = CliRunner().invoke(cli, ["config", "check", path])
    assert result.exit_code == 0, result.output
    brand = load_config(path).brands[0]
    joined = parse(brand.search_query)  # as collection parses it
    assert joined.matches("apple x") and joined.matches("new iPhone") and joined.matches("Apple Inc results")
    assert not joined.matches("apple pie")
    source = load_config(path).sources[0]
    get_extractor_class("hackernews")(source.options, env={}).compile_query(brand.search_query)


def test_a_join_over_the_length_limit_is_a_config_error_naming_the_brand(tmp_path):
    query = _long_query(MAX_LENGTH - 8)
    parse(query)  # within the limit on its own, and so is each alias
    result = CliRunner().invoke(cli, ["config", "check", _write(tmp_path, query)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "QuerySyntaxError" not in result.output
    assert "brands.0 (Apple): aliases: the query" in result.output
    assert f"with its 2 alias(es), joined by OR for collection, is {len(query) + 4 + 6 + 4 + 11:,} characters" \
        in result.output
    assert f"at most {MAX_LENGTH:,}: shorten the query by" in result.output


def test_a_join_within_the_limits_keeps_the_query_s_meaning(tmp_path):
    brand = load_config(_write(tmp_path, "apple pie OR tart")).brands[0]
    assert brand.search_query == 'apple pie OR tart OR iPhone OR "Apple Inc"'
    joined = parse(brand.search_query)
    assert joined.matches("apple pie") and not joined.matches("apple") and joined.matches("tart")
