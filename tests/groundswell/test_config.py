"""Config validation: bad files fail with a message naming the field and the fix."""

from __future__ import annotations

import pytest

from groundswell.config import ConfigError, load_config, parse_config

GOOD = {
    "brands": [{"name": "Lumora", "query": "Lumora OR #lumora"}],
    "sources": [{"type": "import", "options": {"path": "x.jsonl"}}],
}


def test_good_config_parses():
    config = parse_config(GOOD)
    assert config.brands[0].name == "Lumora"
    assert config.store.type == "sqlite"


def test_unknown_top_level_key_names_the_field():
    with pytest.raises(ConfigError) as err:
        parse_config({**GOOD, "brandz": []})
    assert "brandz" in str(err.value) and "unknown key" in str(err.value)


def test_wrong_type_names_the_field():
    with pytest.raises(ConfigError) as err:
        parse_config({**GOOD, "nlp": {"batch_size": "lots"}})
    assert "nlp.batch_size" in str(err.value)


def test_bad_query_names_brand_and_column():
    bad = {**GOOD, "brands": [{"name": "Lumora", "query": "(Lumora OR"}]}
    with pytest.raises(ConfigError) as err:
        parse_config(bad)
    message = str(err.value)
    assert "brands.0.query" in message and "column" in message


def test_inline_secret_is_refused_with_the_fix():
    bad = {**GOOD, "sources": [{"type": "import", "options": {"path": "x", "bearer_token": "abc"}}]}
    with pytest.raises(ConfigError) as err:
        parse_config(bad)
    assert "bearer_token_env" in str(err.value)
    assert "abc" not in str(err.value)  # the secret itself is never echoed


def test_unknown_source_option_is_reported_by_its_extractor():
    bad = {**GOOD, "sources": [{"type": "import", "options": {"path": "x", "formt": "csv"}}]}
    with pytest.raises(ConfigError) as err:
        parse_config(bad)
    assert "options.formt" in str(err.value)


def test_unknown_source_type_lists_known_types():
    bad = {**GOOD, "sources": [{"type": "myspace"}]}
    with pytest.raises(ConfigError) as err:
        parse_config(bad)
    assert "unknown source type 'myspace'" in str(err.value) and "import" in str(err.value)


def test_duplicate_brand_names_rejected():
    bad = {**GOOD, "brands": [GOOD["brands"][0], GOOD["brands"][0]]}
    with pytest.raises(ConfigError, match="unique"):
        parse_config(bad)


def test_yaml_syntax_error_gives_line(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("brands:\n  - name: [unclosed\n")
    with pytest.raises(ConfigError, match="line"):
        load_config(path)


def test_paths_are_relative_to_the_config_file(tmp_path):
    path = tmp_path / "sub" / "g.yaml"
    path.parent.mkdir()
    path.write_text("brands: [{name: A, query: a}]\nsources: [{type: import, options: {path: c.jsonl}}]\n")
    config = load_config(path)
    assert config.sources[0].options["path"] == str(path.parent / "c.jsonl")
    assert config.store.path == str(path.parent / ".groundswell" / "groundswell.db")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "nope.yaml")
