"""Fixes of the "des" review of the Elasticsearch operations changes (fixer es2): the real reason a month index
cannot be made; `store copy`'s reasons grouped, each logged, the catch-all never the "why"; a comma inside the
`url_env` URL; the user name not masked; a refusal during `store copy` is not a lost node."""

from __future__ import annotations

import logging

import pytest
from elastic_transport import ConnectionError as TransportConnectionError

from core import logsafe
from groundswell.store_copy import (
    OTHER_REASONS,
    StoreCopyReport,
    _note_errors,
    first_error,
    lost_mid_copy,
    reason_group,
)
from indexing.base import StoreUnavailable
from indexing.config import ElasticsearchStoreConfig
from indexing.elasticsearch import _where

COMMA_URL = "http://elastic:Xy9,Secret77pw@127.0.0.1:47847"


@pytest.fixture
def fresh_secrets(monkeypatch):
    monkeypatch.setattr(logsafe, "_known", {})


def test_store_copy_groups_reasons_by_cause_and_logs_each(caplog):
    """Finding 2: one cause over many months is one entry; every distinct reason is logged, also the ones counted
    together; the catch-all is never the "why"."""
    report = StoreCopyReport(source="s", target="t")
    blocked = [f"HTTP 403: cluster_block_exception: index [gs-mentions-2025.{m:02}] blocked by: [FORBIDDEN/8/index "
               "write (api)];" for m in range(1, 9)]
    _note_errors(report, blocked)
    assert report.errors == {"HTTP 403: cluster_block_exception: index [<month index>] blocked by: "
                             "[FORBIDDEN/8/index write (api)];": 8}
    assert reason_group("HTTP 400: document_parsing_exception: [1:42] failed to parse field [likes] of type [long] "
                        "in document with id 'x:1'. Preview of field's value: 'abc'") == reason_group(
        "HTTP 400: document_parsing_exception: [1:57] failed to parse field [likes] of type [long] in document with "
        "id 'x:2'. Preview of field's value: 'zz'")

    report = StoreCopyReport(source="s", target="t")
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="groundswell.store_copy"):
        _note_errors(report, [f"reason {i}" for i in range(9)] + ["reason 8"] * 40)
    logged = [r.getMessage() for r in caplog.records]
    assert [line.rpartition(": ")[2] for line in logged] == [f"reason {i}" for i in range(9)]
    assert report.errors[OTHER_REASONS] == 44
    assert first_error(report) == "reason 0 (1 mention(s))"  # a named cause, not "other reasons"


def test_a_comma_inside_the_url_variable_stays_in_its_url(monkeypatch, fresh_secrets):
    """Finding 3: the variable splits only where a new scheme:// starts (a password or a query may hold a comma),
    the same in the config, the masking and the messages."""
    monkeypatch.setenv("ES2_URL", f"{COMMA_URL}, https://es2.internal:9200/?filter_path=a,b")
    store = ElasticsearchStoreConfig(type="elasticsearch", url_env="ES2_URL")
    urls = store.resolved_urls()
    assert urls == [COMMA_URL, "https://es2.internal:9200/?filter_path=a,b"]
    assert _where(",".join(urls)) == ["http://127.0.0.1:47847", "https://es2.internal:9200"]
    logsafe.register_config_secrets(store)
    said = logsafe.redact(f"connecting to {urls[0]}; password Xy9,Secret77pw; host es2.internal")
    assert "Secret77pw" not in said and "Xy9" not in said
    assert "127.0.0.1:47847" in said and "es2.internal" in said


def test_the_user_name_is_not_a_secret(monkeypatch, fresh_secrets):
    """Finding 4: the built-in user `elastic` must not garble every "elasticsearch"; the password stays masked."""
    monkeypatch.setenv("ES2_USER", "elastic")
    monkeypatch.setenv("ES2_PASS", "pw-es2-0193xq")
    store = ElasticsearchStoreConfig(type="elasticsearch", url="http://127.0.0.1:9200", username_env="ES2_USER",
                                     password_env="ES2_PASS")
    logsafe.register_config_secrets(store)
    assert logsafe.redact("the store (elasticsearch 127.0.0.1:9200/gs) said pw-es2-0193xq") == (
        "the store (elasticsearch 127.0.0.1:9200/gs) said ***")


def test_a_refusal_during_store_copy_is_not_a_lost_node():
    """Finding 5: a StoreUnavailable during the copy is a cluster that answered (a write block on the state
    index): exit 1 with its own line, not exit 6 "run the same command again"; a lost connection still is."""
    refused = StoreUnavailable("Elasticsearch did not store 2 state key(s) (first: HTTP 403: cluster_block_exception")
    assert not lost_mid_copy(refused)
    assert lost_mid_copy(TransportConnectionError("Connection refused"))
    assert lost_mid_copy(ConnectionError("reset"))
