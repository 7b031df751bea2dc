"""The demo pipeline end to end on the real node: the same summary as on the embedded store, and re-runs add nothing."""

from __future__ import annotations

import uuid

import pytest
from es_node import delete_prefix, require_or_skip

pytestmark = [pytest.mark.elasticsearch, pytest.mark.slow, pytest.mark.model]

# Keys that name the store or a file path, not what was collected, stored or detected.
NOT_COMPARED = {"report", "store"}


def _demo_config(directory, store_yaml: str):
    from groundswell.config import load_config
    from groundswell.demo import DEMO_CONFIG
    from groundswell.demo_corpus import write_corpus

    directory.mkdir()
    write_corpus(directory / "corpus.jsonl", seed=7)
    sqlite_block = "store:\n  type: sqlite\n  path: groundswell.db\n"
    assert sqlite_block in DEMO_CONFIG, "the demo config changed: update this test"
    (directory / "groundswell.yaml").write_text(DEMO_CONFIG.replace(sqlite_block, store_yaml), encoding="utf-8")
    return load_config(directory / "groundswell.yaml")


def _run(config) -> dict:
    from groundswell.pipeline import run_once

    try:
        return run_once(config, progress=False, write_report=True)
    except FileNotFoundError as exc:  # no trained sentiment model in this checkout
        require_or_skip(False, f"the pipeline cannot run here: {exc}")
        raise


def test_demo_pipeline_gives_the_same_summary_on_both_stores(tmp_path, es_url):
    prefix = f"gs-demo-{uuid.uuid4().hex[:8]}"
    copy_prefix = f"gs-copy-{uuid.uuid4().hex[:8]}"
    sqlite_config = _demo_config(tmp_path / "sqlite", "store:\n  type: sqlite\n  path: groundswell.db\n")
    embedded = _run(sqlite_config)
    es_config = _demo_config(
        tmp_path / "es", f"store:\n  type: elasticsearch\n  url: {es_url}\n  index_prefix: {prefix}\n"
    )
    try:
        on_es = _run(es_config)
        assert on_es["store"] == "elasticsearch" and embedded["store"] == "sqlite"
        assert on_es["stored"] > 1000 and on_es["failed_writes"] == 0
        assert {k: v for k, v in on_es.items() if k not in NOT_COMPARED} == {
            k: v for k, v in embedded.items() if k not in NOT_COMPARED
        }
        again = _run(es_config)
        assert again["new"] == 0 and again["stored"] == on_es["stored"]
        assert again["alerts_sent"] == 0

        # A team that outgrows the embedded store copies it (`groundswell store copy`) and points the same
        # config at Elasticsearch: the next run there is the embedded store's next run, to the key. The
        # import cursor and the sent-alert ledger came along, so nothing is collected or sent again.
        copied_config = _copy_into_elasticsearch(sqlite_config, tmp_path / "sqlite", es_url, copy_prefix)
        after_copy = _run(copied_config)
        embedded_again = _run(sqlite_config)
        assert after_copy["store"] == "elasticsearch" and after_copy["alerts_sent"] == 0
        assert after_copy["collected"] == embedded_again["collected"] and after_copy["new"] == 0
        assert {k: v for k, v in after_copy.items() if k not in NOT_COMPARED} == {
            k: v for k, v in embedded_again.items() if k not in NOT_COMPARED
        }
    finally:
        from elasticsearch import Elasticsearch

        client = Elasticsearch(es_url)
        delete_prefix(client, prefix)
        delete_prefix(client, copy_prefix)
        client.close()


def _copy_into_elasticsearch(sqlite_config, directory, es_url: str, prefix: str):
    """The demo config beside the original (same corpus path), its store moved to `prefix` by a store copy."""
    from groundswell.config import load_config
    from groundswell.pipeline import open_store
    from groundswell.store_copy import copy_store, describe

    text = (directory / "groundswell.yaml").read_text(encoding="utf-8")
    es_block = f"store:\n  type: elasticsearch\n  url: {es_url}\n  index_prefix: {prefix}\n"
    (directory / "es-copy.yaml").write_text(
        text.replace("store:\n  type: sqlite\n  path: groundswell.db\n", es_block), encoding="utf-8"
    )
    config = load_config(directory / "es-copy.yaml")
    source, target = open_store(sqlite_config), open_store(config)
    try:
        names = {"source_name": describe(sqlite_config.store), "target_name": describe(config.store)}
        report = copy_store(source, target, **names)
    finally:
        source.close()
        target.close()
    assert report.complete and report.copied == report.source_mentions and report.state_copied > 0
    return config
