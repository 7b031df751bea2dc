"""`config check`'s findings: what a run would trip over (warnings), what is only worth knowing (notes), and
every validation problem at once, each on its own line with its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from extractors.errors import SourceError
from extractors.hackernews import HackerNewsExtractor
from groundswell.config import config_notes, config_warnings, load_config, parse_config
from groundswell.demo import DEMO_CONFIG


def _problems(data: dict) -> list[str]:
    """The problem lines of the ConfigError `data` raises."""
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    return [line.removeprefix("  - ") for line in str(err.value).splitlines()[1:]]


# --- own accounts: an import source may carry any platform's posts ---


def test_the_demo_config_has_no_warning_only_a_note_on_its_own_accounts(tmp_path: Path) -> None:
    (tmp_path / "groundswell.yaml").write_text(DEMO_CONFIG, encoding="utf-8")
    (tmp_path / "corpus.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "groundswell.db").write_bytes(b"")
    config = load_config(tmp_path / "groundswell.yaml")
    assert config_warnings(config, env={}) == []  # the care account's replies come in the import file
    assert config_notes(config) == [
        "brands.0 (Lumora).own_accounts.x: no 'x' source is configured; these accounts' replies count as far as "
        "the import source(s) demo-corpus carry them"
    ]


# --- queries a search source cannot compile ---


def _query_config(query: str) -> dict:
    return {
        "brands": [{"name": "A", "query": query}, {"name": "B", "query": "b"}],
        "sources": [
            {"type": "hackernews"},
            {"type": "reddit", "options": {"subreddits": ["x"]}},
            {"type": "reddit", "name": "reddit-new", "options": {"subreddits": ["x"], "mode": "new"}},
            {"type": "x", "options": {"native_query": "a -spam"}},  # sent as written: nothing compiled
            {"type": "bluesky", "brands": ["B"]},  # not collected for A
            {"type": "mastodon"},
            {"type": "import", "options": {"path": "/dev/null"}},
        ],
    }


def test_a_query_a_search_source_cannot_compile_is_a_warning_naming_brand_and_source() -> None:
    warnings = [w for w in config_warnings(parse_config(_query_config("NOT spam")), env={}) if "collected" in w]
    with pytest.raises(SourceError) as hackernews:  # what the run raises (Extractor.searched_query)
        HackerNewsExtractor().searched_query("NOT spam")
    assert warnings == [
        f"sources.0 (hackernews): brand 'A' cannot be collected here: {hackernews.value}",
        "sources.1 (reddit): brand 'A' cannot be collected here: query 'NOT spam' has no positive term that "
        "Reddit search can look for; add a word, phrase, #hashtag or @handle outside NOT",
        "sources.5 (mastodon): brand 'A' cannot be collected here: the query has no #hashtag or single word to "
        "follow; set options.hashtags",
    ]
    assert not [w for w in config_warnings(parse_config(_query_config("a NOT spam")), env={}) if "collected" in w]


def test_an_x_source_compiles_the_query_unless_it_is_given_natively() -> None:
    data = {"brands": [{"name": "A", "query": "NOT spam"}], "sources": [{"type": "x"}]}
    (warning,) = [w for w in config_warnings(parse_config(data), env={}) if "collected" in w]
    assert warning.startswith("sources.0 (x): brand 'A' cannot be collected here: ")


# --- cross-field checks run beside field errors, one line each ---


def test_a_repeated_brand_is_reported_beside_a_field_error() -> None:
    data = {"brands": [{"name": "A", "query": "a"}, {"name": "A", "query": "b"}], "nlp": {"batch_sise": 3}}
    assert _problems(data) == [
        "nlp.batch_sise: unknown key: remove it or check its spelling against docs/configuration.md",
        "brands.1 (A).name: brand names must be unique; repeated: A",
    ]


def test_sentiment_rule_problems_are_reported_beside_a_field_error_each_on_its_own_line() -> None:
    rules = [
        {"name": "r", "query": "x", "label": "neutral", "brands": ["Nope"]},
        {"name": "r", "query": "y", "label": "positive"},
    ]
    data = {"brands": [{"name": "A", "query": "(a"}], "sentiment_rules": rules}
    problems = _problems(data)
    assert problems[1:] == [
        "sentiment_rules: the name 'r' is used twice",
        "sentiment_rules.r: unknown brand 'Nope'; known: A",
    ]
    assert problems[0].startswith("brands.0 (A).query: ")
    # Without field errors too: each problem on its own line with its path, never one '(top level)' line.
    valid_brand = {**data, "brands": [{"name": "A", "query": "a"}, {"name": "A", "query": "b"}]}
    assert _problems(valid_brand) == [
        "brands.1 (A).name: brand names must be unique; repeated: A",
        "sentiment_rules: the name 'r' is used twice",
        "sentiment_rules.r: unknown brand 'Nope'; known: A",
    ]


def test_unknown_brands_are_not_claimed_while_a_brands_name_is_itself_wrong() -> None:
    data = {
        "brands": [{"name": "A", "query": "a"}, {"query": "b"}],
        "sources": [{"type": "import", "brands": ["B"], "options": {"path": "x"}}, {"type": "import"}],
    }
    problems = _problems(data)
    assert "brands.1.name: required: add it" in problems
    assert "sources.1 (import): give each source of the same type a distinct 'name'; repeated: import" in problems
    assert not [p for p in problems if "unknown brand" in p]


def test_channels_and_the_digest_are_checked_beside_a_field_error() -> None:
    data = {
        "brands": [{"name": "A", "query": "a"}],
        "channels": [{"type": "slack", "url_env": "S", "route": {"brands": ["Q"]}}, {"type": "slack", "url_env": "T"}],
        "digest": {"send_to": ["nope"]},
        "report": {"pth": "r.html"},
    }
    assert _problems(data)[1:] == [
        "channels.1 (slack): give each channel of the same type a distinct 'name' (add 'name:'); repeated: slack",
        "channels.0 (slack).route.brands: unknown brand 'Q' (configured: A)",
        "digest.send_to names unknown channel(s) nope; channels: slack",
    ]


# --- a store file that does not exist yet ---


def test_a_missing_sqlite_store_file_is_a_note_not_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text("brands: [{name: A, query: a}]\nstore: {path: grondswell.db}\n", encoding="utf-8")
    config = load_config(path)
    assert config_warnings(config, env={}) == []
    missing = tmp_path / "grondswell.db"
    assert config_notes(config) == [f"store.path: store file {missing} does not exist yet: a run will create it"]
    missing.write_bytes(b"")
    assert config_notes(config) == []


# --- index_prefix: the store's own rule ---


@pytest.mark.parametrize("prefix", ["BAD PREFIX!", "Groundswell", "-x", "", "acme\n"])
def test_an_index_prefix_the_store_refuses_is_a_config_error(prefix: str) -> None:
    data = {"brands": [{"name": "A", "query": "a"}], "store": {"type": "elasticsearch", "index_prefix": prefix}}
    (problem,) = _problems(data)
    assert problem.startswith(f"store.index_prefix: index_prefix {prefix!r} must be ")


def test_a_good_index_prefix_is_kept() -> None:
    data = {"brands": [{"name": "A", "query": "a"}], "store": {"type": "elasticsearch", "index_prefix": "acme_1"}}
    assert parse_config(data).store.index_prefix == "acme_1"
