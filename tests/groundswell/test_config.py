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


def test_mask_brand_names_is_on_by_default_and_a_non_boolean_names_the_field():
    assert parse_config(GOOD).nlp.mask_brand_names is True
    assert parse_config({**GOOD, "nlp": {"mask_brand_names": False}}).model_text().brands == {}
    with pytest.raises(ConfigError) as err:
        parse_config({**GOOD, "nlp": {"mask_brand_names": "maybe"}})
    assert "nlp.mask_brand_names" in str(err.value)


def test_bad_query_names_brand_and_column():
    bad = {**GOOD, "brands": [{"name": "Lumora", "query": "(Lumora OR"}]}
    with pytest.raises(ConfigError) as err:
        parse_config(bad)
    message = str(err.value)
    assert "brands.0 (Lumora).query" in message and "column" in message


def test_a_crisis_term_that_is_no_phrase_names_the_term():
    bad = {**GOOD, "brands": [{"name": "Lumora", "query": "lumora", "crisis_terms": ["recall", "!!!"]}]}
    with pytest.raises(ConfigError) as err:
        parse_config(bad)
    assert "brands.0 (Lumora).crisis_terms.1:" in str(err.value) and "'!!!': column 1: empty phrase" in str(err.value)
    pasted = {**GOOD, "brands": [{"name": "Lumora", "query": "lumora", "crisis_terms": ["“hidden fees”"]}]}
    assert parse_config(pasted).brands[0].crisis_terms == ["“hidden fees”"]


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


def test_two_channels_of_one_type_without_names_are_rejected_naming_the_key():
    # Under one key they would share a delivery ledger: alert delivery refuses to start and the weekly
    # report reaches only the first of them.
    slack = [{"type": "slack", "url_env": "SLACK_PR"}, {"type": "slack", "url_env": "SLACK_EXEC"}]
    with pytest.raises(ConfigError, match=r"distinct 'name' \(add 'name:'\); repeated: slack$"):
        parse_config({**GOOD, "channels": [*slack, {"type": "console"}]})
    named = [slack[0], {**slack[1], "name": "exec"}, {"type": "console"}]
    assert [c.key for c in parse_config({**GOOD, "channels": named}).channels] == ["slack", "exec", "console"]
    with pytest.raises(ConfigError, match="repeated: exec"):  # a name that repeats another channel's
        parse_config({**GOOD, "channels": [*named, {"type": "webhook", "name": "exec", "url_env": "X"}]})


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


def _write(tmp_path, text: str | bytes):
    path = tmp_path / "g.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


BASE = "brands: [{name: A, query: a}]\n"


def test_invalid_utf8_is_a_one_line_error(tmp_path):
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(line 2"):
        load_config(_write(tmp_path, BASE.encode() + b"dashboard_url: caf\xe9\n"))


def test_an_editors_bom_is_accepted(tmp_path):
    assert load_config(_write(tmp_path, b"\xef\xbb\xbf" + BASE.encode())).brands[0].name == "A"


def test_5000_digit_integer_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="5000 digits"):
        load_config(_write(tmp_path, BASE + "nlp: {batch_size: " + "9" * 5000 + "}\n"))


def test_5000_deep_nesting_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(_write(tmp_path, BASE + "dashboard_url: " + "[" * 5000 + "]" * 5000 + "\n"))


def test_moderate_nesting_inside_options_is_refused_with_its_path():
    deep: dict = {}
    node = deep
    for _ in range(40):
        node["a"] = {}
        node = node["a"]
    bad = {**GOOD, "sources": [{"type": "import", "options": {"path": "x", "extra": deep}}]}
    with pytest.raises(ConfigError, match=r"sources\.0\.options\.extra\.a.*nested more than"):
        parse_config(bad)


def test_duplicate_top_level_key_is_refused_with_both_lines(tmp_path):
    text = BASE + "store: {type: sqlite, path: a.db}\nstore: {type: sqlite, path: b.db}\n"
    with pytest.raises(ConfigError, match=r"key 'store' appears twice \(lines 2 and 3\)"):
        load_config(_write(tmp_path, text))


def test_duplicate_nested_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="key 'batch_size' appears twice"):
        load_config(_write(tmp_path, BASE + "nlp: {batch_size: 8, batch_size: 16}\n"))


def test_yaml_merge_keys_still_work(tmp_path):
    text = BASE + "channels:\n  - {<<: {retries: 2, type: console}, retries: 5}\n"
    assert load_config(_write(tmp_path, text)).channels[0].retries == 5


@pytest.mark.parametrize(
    ("yaml_value", "where"),
    [
        ("channels: [{type: console, backoff_s: .inf}]", "channels.0 (console).backoff_s"),
        ("channels: [{type: slack, url_env: S, timeout_s: .nan}]", "channels.0 (slack).timeout_s"),
        ("channels: [{type: console, backoff_s: 1e308}]", "channels.0 (console).backoff_s"),
        ("alerts: {incident_gap_hours: .inf}", "alerts.incident_gap_hours"),
        ("alerts: {spike: {threshold: 'nan'}}", "alerts.spike.threshold"),
        ("sources: [{type: bluesky, options: {terms: [a], timeout_s: .inf}}]", "sources.0 (bluesky).options.timeout_s"),
        ("store: {retention_days: 99999999999999999999}", "store.retention_days"),
    ],
)
def test_non_finite_or_absurd_numbers_name_their_key(tmp_path, yaml_value, where):
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, BASE + yaml_value + "\n"))
    assert where in str(err.value)


def test_every_problem_is_reported_at_once():
    bad = {
        "brands": [{"name": "A", "query": "a"}],
        "nlp": {"batch_sise": 3},
        "sources": [
            {"type": "import", "options": {"path": "x", "formt": "csv"}},
            {"type": "mastodon", "options": {"hashtag": ["a"]}},
            {"type": "myspace"},
        ],
    }
    with pytest.raises(ConfigError) as err:
        parse_config(bad)
    message = str(err.value)
    assert "(4 problem(s))" in message
    for where in ("nlp.batch_sise", "sources.0 (import).options.formt", "sources.1 (mastodon).options.hashtag",
                  "sources.2 (myspace).type"):
        assert where in message


def test_warnings_name_unset_variables_and_missing_files(tmp_path):
    from groundswell.config import config_warnings

    config = parse_config(
        {
            "brands": [{"name": "A", "query": "a"}],
            "sources": [
                {"type": "x"},
                {"type": "reddit", "options": {"subreddits": ["a"]}},
                {"type": "import", "options": {"path": str(tmp_path / "missing.csv")}},
                {"type": "hackernews"},
            ],
            "channels": [{"type": "slack", "url_env": "SLACK_HOOK"}],
        }
    )
    warnings = config_warnings(config, env={"REDDIT_CLIENT_ID": "set"})
    text = "\n".join(warnings)
    assert "$X_BEARER_TOKEN is not set" in text and "$REDDIT_CLIENT_SECRET is not set" in text
    assert "REDDIT_CLIENT_ID" not in text and "hackernews" not in text
    assert "import file not found" in text and "$SLACK_HOOK is not set" in text
    assert len(warnings) == 4
