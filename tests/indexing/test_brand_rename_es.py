"""`groundswell brands rename` on a real Elasticsearch node: interrupted after any of its writes (a state write, the
mentions' rewrite, the alert documents' index or delete), then run again, it ends exactly as an uninterrupted
rename; `--dry-run` creates and upgrades nothing on the cluster (before, opening the store for it installed the
template and created the indices of a prefix that held nothing).

The crash is injected by wrapping the real store, as `tests/groundswell/test_brand_rename_crash.py` does for
SQLite: a process killed between two chosen writes is a fault a real store cannot be made to produce."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from cli_config import write_config
from click.testing import CliRunner
from crashing_store import Crash, CrashingStore
from es_node import delete_prefix
from test_brand_rename_stores import NEW, OLD, OTHER, _alert, _config, _filled

from alerts.incidents import incident_key
from groundswell.brand_rename import PENDING_PREFIX, rename
from groundswell.cli import cli
from indexing.base import Filters

pytestmark = pytest.mark.elasticsearch

WRITES = ("set_state", "set_states", "delete_state", "rename_brand", "index_alerts", "delete_alert_documents")


def _store(es_url: str, prefix: str) -> Any:
    from indexing.elasticsearch import ElasticsearchStore  # lazy: the client loads only for these tests

    return ElasticsearchStore(es_url, index_prefix=prefix)


def _filled_store(es_url: str) -> tuple[Any, str]:
    prefix = f"gs-test-{uuid.uuid4().hex[:8]}"
    store = _store(es_url, prefix)
    assert all(r.ok for r in store.index_alerts([_alert(OLD, 0), _alert(OLD, 1)], incident_key))  # Kibana's copy
    _filled(store)
    return store, prefix


def _end_state(store: Any) -> dict[str, Any]:
    mentions = sorted(json.dumps(m.model_dump(mode="json"), sort_keys=True)
                      for m in store.iter_mentions(Filters(include_spam=True)))
    return {"state": store.state_items(""), "mentions": mentions, "alert documents": sorted(store.indexed_alert_ids())}


def _rename(store: Any, tmp_path: Path, at: int | None = None) -> int:
    crashing = CrashingStore(store, at, WRITES)
    try:
        rename(crashing, _config(tmp_path), OLD, NEW)  # type: ignore[arg-type]
    except Crash:
        assert at is not None and crashing.writes == at
    return crashing.writes


def test_an_elasticsearch_rename_interrupted_after_any_write_is_finished_by_running_it_again(es_url, tmp_path):
    store, prefix = _filled_store(es_url)
    try:
        writes = _rename(store, tmp_path)
        expected = _end_state(store)
    finally:
        delete_prefix(store.client, prefix)
        store.close()
    assert writes >= 10 and not any(k.startswith(PENDING_PREFIX) for k in expected["state"])
    for at in range(1, writes + 1):
        store, prefix = _filled_store(es_url)
        try:
            _rename(store, tmp_path, at)
            if at < writes:
                assert store.state_items(PENDING_PREFIX), at
            _rename(store, tmp_path)
            assert _end_state(store) == expected, f"interrupted after write {at}"
        finally:
            delete_prefix(store.client, prefix)
            store.close()


def _es_config(tmp_path: Path, es_url: str, prefix: str) -> Path:
    return write_config(tmp_path, brands=[{"name": NEW, "query": "acme"}, {"name": OTHER, "query": "zenith"}],
                        store={"type": "elasticsearch", "url": es_url, "index_prefix": prefix})


def test_a_dry_run_creates_nothing_on_a_prefix_that_holds_no_store(es_url, tmp_path):
    from elasticsearch import Elasticsearch  # lazy: the client loads only for these tests

    prefix = f"gs-test-{uuid.uuid4().hex[:8]}"
    client = Elasticsearch(es_url)
    try:
        dry = CliRunner().invoke(cli, ["brands", "rename", OLD, NEW, "-c", str(_es_config(tmp_path, es_url, prefix)),
                                       "--dry-run"])
        assert dry.exit_code == 1, dry.output
        assert dry.stderr.startswith(f"Error: brands rename --dry-run: no Elasticsearch store with prefix {prefix!r}")
        assert len(dry.stderr.strip().splitlines()) == 1
        assert not client.indices.get(index=f"{prefix}-*", allow_no_indices=True, ignore_unavailable=True).body
        assert client.options(ignore_status=404).indices.get_index_template(name=f"{prefix}-mentions").meta.status \
            == 404
    finally:
        delete_prefix(client, prefix)
        client.close()


def test_a_dry_run_on_a_store_writes_nothing_to_the_cluster(es_store, es_url, tmp_path):
    _filled(es_store)
    client = es_store.client
    client.indices.delete_index_template(name=f"{es_store.prefix}-mentions")  # any open would put it back
    before = _end_state(es_store)
    dry = CliRunner().invoke(cli, ["brands", "rename", OLD, NEW, "-c",
                                   str(_es_config(tmp_path, es_url, es_store.prefix)), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["counts"]["mentions"] == 3
    assert client.options(ignore_status=404).indices.get_index_template(name=f"{es_store.prefix}-mentions") \
        .meta.status == 404
    assert _end_state(es_store) == before
