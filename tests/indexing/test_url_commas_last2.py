"""Fixer last2, finding 1: stray commas in the `url_env` variable (trailing, leading, doubled) are separators, not
part of a URL, as they were before the split learned to keep a comma inside a password."""

from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch

from core import logsafe
from core.logsafe import split_urls
from indexing.config import ElasticsearchStoreConfig
from indexing.elasticsearch import _where


@pytest.fixture
def fresh_secrets(monkeypatch):
    monkeypatch.setattr(logsafe, "_known", {})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://127.0.0.1:9200,", ["http://127.0.0.1:9200"]),
        ("http://127.0.0.1:9200, ,", ["http://127.0.0.1:9200"]),
        (",http://a:9200", ["http://a:9200"]),
        ("http://a:9200,,http://b:9200", ["http://a:9200", "http://b:9200"]),
        ("http://a:9200 , , http://b:9200,", ["http://a:9200", "http://b:9200"]),
        # A comma inside a password still stays in its URL.
        ("http://elastic:Xy9,Secret77pw@127.0.0.1:47847,", ["http://elastic:Xy9,Secret77pw@127.0.0.1:47847"]),
    ],
)
def test_stray_commas_are_dropped(value, expected):
    assert split_urls(value) == expected


def test_a_trailing_comma_in_the_variable_still_makes_a_working_client(monkeypatch, fresh_secrets):
    monkeypatch.setenv("LAST2_URL", "http://127.0.0.1:9200,")
    store = ElasticsearchStoreConfig(type="elasticsearch", url_env="LAST2_URL")
    urls = store.resolved_urls()
    assert urls == ["http://127.0.0.1:9200"]
    # The messages show where the store is (nothing masked: no credentials), and the real client accepts it.
    assert _where("http://127.0.0.1:9200,") == ["http://127.0.0.1:9200"]
    logsafe.register_config_secrets(store)
    assert logsafe.redact("connecting to 127.0.0.1:9200") == "connecting to 127.0.0.1:9200"
    Elasticsearch(urls).close()
