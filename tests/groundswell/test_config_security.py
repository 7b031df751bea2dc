"""Config rules that keep secrets out of the file: no credentials inside URLs, no crash on deep queries."""

from __future__ import annotations

import pytest

from groundswell.config import ConfigError, parse_config

GOOD = {"brands": [{"name": "Lumora", "query": "Lumora OR #lumora"}]}


@pytest.mark.parametrize("url", ["http://elastic:PW-s3cret@es.example:9200", "https://elastic@es.example"])
def test_credentials_inside_the_store_url_are_refused_without_echoing_them(url):
    with pytest.raises(ConfigError) as err:
        parse_config({**GOOD, "store": {"type": "elasticsearch", "url": url}})
    message = str(err.value)
    assert "  - store.url: " in message and "credentials inside store.url" in message
    assert "api_key_env" in message
    assert "PW-s3cret" not in message


def test_a_plain_store_url_is_accepted():
    config = parse_config({**GOOD, "store": {"type": "elasticsearch", "url": "https://es.example:9200/"}})
    assert config.store.url == "https://es.example:9200/"


def test_a_deeply_nested_brand_query_is_a_config_error_not_a_crash():
    deep = "(" * 400 + "Lumora" + ")" * 400
    with pytest.raises(ConfigError) as err:
        parse_config({"brands": [{"name": "Lumora", "query": deep}]})
    assert "brands.0 (Lumora).query" in str(err.value) and "nests too deeply" in str(err.value)


def test_an_inline_secret_hides_no_other_problem_of_its_source():
    # The file is fixed in one pass: the secret and the bad options beside it are all reported.
    data = {"brands": [{"name": "A", "query": "a"}],
            "sources": [{"type": "x", "options": {"bearer_token_env": "AAAA-secret-value", "max_results": 5,
                                                  "password": "p"}}]}
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    message = str(err.value)
    assert "'password' looks like a secret" in message
    assert "sources.0 (x).options.bearer_token_env: must NAME" in message
    assert "sources.0 (x).options.max_results" in message and "(3 problem(s))" in message
    assert "AAAA-secret-value" not in message
