"""Month indices on a real node: every `<prefix>-mentions-*` index is readable through the alias, or the store
refuses to open; month indices are made explicitly (clusters with `action.auto_create_index: false`); another
team's template of higher priority is named; old alert documents get `decided_at`; `store copy` says why a write
failed (docs/elasticsearch.md, "Month indices")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import Elasticsearch

from core.mention import Author, Mention
from groundswell.store_copy import copy_store
from indexing.base import Filters, StoreUnavailable
from indexing.elasticsearch import ElasticsearchStore
from indexing.elasticsearch_alerts import ALERTS_MAPPINGS, ALERTS_SETTINGS
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.elasticsearch
NOV = datetime(2026, 11, 12, 9, tzinfo=UTC)
EVERYTHING = Filters(include_spam=True)


def _mentions(n: int, at: datetime = NOV, step: timedelta = timedelta(minutes=1)) -> list[Mention]:
    return [Mention(source="import", native_id=f"m{at:%Y%m%d}-{i}", text=f"acme post {i}", created_at=at + i * step,
                    author=Author(handle=f"user{i}"), brand="Acme", lang="en") for i in range(n)]


@pytest.fixture
def client(es_url: str):
    c = Elasticsearch(es_url)
    yield c
    c.close()


def _open(es_url: str, prefix: str) -> ElasticsearchStore:
    return ElasticsearchStore(es_url, index_prefix=prefix)


def test_month_index_made_by_hand_before_the_first_run_is_read(es_url, prefix, client):
    """Finding 1, repro A: an empty month index made ahead of time (its shard count) got neither alias nor mapping;
    everything written to it was "stored" and never read."""
    index = f"{prefix}-mentions-2026.11"
    client.indices.create(index=index, settings={"number_of_shards": 2})
    store = _open(es_url, prefix)
    try:
        assert all(r.ok for r in store.upsert(_mentions(5)))
        assert store.count(EVERYTHING) == 5
        assert len(store.search(Filters(), size=10).hits) == 5
        got = client.indices.get(index=index).body[index]
        assert store.alias in got["aliases"] and got["mappings"]["dynamic"] == "strict"
        assert got["mappings"]["properties"]["id"]["type"] == "keyword"
        assert got["settings"]["index"]["number_of_shards"] == "2"  # what ops made it for is kept
    finally:
        store.close()


def test_month_index_restored_without_its_alias_is_put_back_behind_it(es_url, prefix, client):
    """Finding 1: a month restored or reindexed under its name without the alias (our mapping) is attached."""
    store = _open(es_url, prefix)
    try:
        assert all(r.ok for r in store.upsert(_mentions(3)))
        index = f"{prefix}-mentions-2026.11"
        client.indices.update_aliases(actions=[{"remove": {"index": index, "alias": store.alias}}])
        assert store.count(EVERYTHING) == 0  # what the bug looked like
    finally:
        store.close()
    store = _open(es_url, prefix)
    try:
        assert store.count(EVERYTHING) == 3
    finally:
        store.close()


def test_month_index_detached_while_a_store_is_open_is_checked_before_the_next_write(es_url, prefix, client):
    """Finding 1: a month index that appeared (or lost its alias) after the open is checked on the first write to it:
    writes never go where reads cannot see them."""
    store = _open(es_url, prefix)
    try:
        index = f"{prefix}-mentions-2026.10"
        client.indices.create(index=index)  # our template applies...
        client.indices.update_aliases(actions=[{"remove": {"index": index, "alias": store.alias}}])  # ...then lost
        october = _mentions(4, at=datetime(2026, 10, 3, tzinfo=UTC))
        assert all(r.ok for r in store.upsert(october))
        assert store.count(EVERYTHING) == 4
    finally:
        store.close()


def test_month_index_with_another_mapping_refuses_the_store_naming_it(es_url, prefix, client):
    """Finding 1, repro B: a month index with documents under Elasticsearch's dynamic mapping (id as text) cannot
    be read as ours: the open refuses in one line naming the index and what to do, and writes nothing to it."""
    index = f"{prefix}-mentions-2026.11"
    client.index(index=index, document={"id": "x:1", "lang": "en", "text": "hello"}, refresh=True)
    with pytest.raises(StoreUnavailable) as caught:
        _open(es_url, prefix)
    message = str(caught.value)
    assert index in message and "id is text (Groundswell maps keyword)" in message and "_reindex" in message
    assert "\n" not in message
    mapping = client.indices.get_mapping(index=index).body[index]["mappings"]["properties"]
    assert "brands" not in mapping  # the migrations did not map our fields onto it
    assert client.count(index=index).body["count"] == 1


def test_a_write_to_a_month_that_cannot_be_used_fails_with_the_reason(es_url, prefix, client):
    """Finding 1: a foreign month index made after the open fails the writes meant for it (they are parked and
    reported), with the reason; the other months' writes go through."""
    store = _open(es_url, prefix)
    try:
        index = f"{prefix}-mentions-2026.09"
        client.indices.create(index=index, mappings={"dynamic": True, "properties": {"id": {"type": "text"}}})
        client.indices.update_aliases(actions=[{"remove": {"index": index, "alias": store.alias}}])
        september = _mentions(2, at=datetime(2026, 9, 3, tzinfo=UTC))
        results = list(store.upsert(september + _mentions(2)))
        assert [r.ok for r in results] == [False, False, True, True]
        assert index in (results[0].error or "") and "id is text" in (results[0].error or "")
        assert client.count(index=index).body["count"] == 0
    finally:
        store.close()


@pytest.fixture
def no_auto_create(client):
    client.cluster.put_settings(persistent={"action.auto_create_index": "false"})
    try:
        yield
    finally:
        client.cluster.put_settings(persistent={"action.auto_create_index": None})


def test_months_are_created_explicitly_when_auto_create_is_off(es_url, prefix, client, tmp_path, no_auto_create):
    """Finding 2: with action.auto_create_index false, an upsert and a store copy over several months land whole."""
    store = _open(es_url, prefix)
    try:
        spread = _mentions(6, at=datetime(2026, 5, 1, tzinfo=UTC), step=timedelta(days=20))  # May to August
        assert all(r.ok for r in store.upsert(spread[:3]))
        assert store.count(EVERYTHING) == 3
        old = SqliteStore(tmp_path / "old.db")
        try:
            assert all(r.ok for r in old.upsert(spread))
            report = copy_store(old, store, source_name="sqlite old", target_name="es", batch=2)
        finally:
            old.close()
        assert report.complete and report.failed == 0 and report.errors == {}
        assert store.count(EVERYTHING) == 6
        months = sorted(client.indices.get_alias(name=store.alias).body)
        assert months[:4] == [f"{prefix}-mentions-2026.{m:02d}" for m in (5, 6, 7, 8)]
    finally:
        store.close()


def test_a_higher_priority_template_is_named_at_open(es_url, prefix, client):
    """Finding 7: another team's template of higher priority replaces ours whole; the open says which."""
    name = f"{prefix}-platform-defaults"
    client.indices.put_index_template(name=name, index_patterns=[f"{prefix}-*"], priority=500,
                                      template={"settings": {"number_of_replicas": 0}})
    try:
        with pytest.raises(StoreUnavailable) as caught:
            _open(es_url, prefix)
        message = str(caught.value)
        assert f"'{name}' (priority 500" in message and "below 200" in message
        made = client.indices.get(index=f"{prefix}-mentions-*", allow_no_indices=True).body
        assert made == {}  # no month index made with the wrong template
    finally:
        client.indices.delete_index_template(name=name)
    _open(es_url, prefix).close()  # with it gone, the store opens


def test_alerts_written_before_decided_at_get_it_on_open(es_url, prefix, client):
    """Finding 4: an alerts index as the previous release wrote it (no decided_at mapped or stored) is filled in on
    open from each alert's window end, once; a document written since with its own decided_at is left alone."""
    index = f"{prefix}-alerts"
    old = {k: v for k, v in ALERTS_MAPPINGS["properties"].items() if k != "decided_at"}
    client.indices.create(index=index, settings=ALERTS_SETTINGS, mappings={"dynamic": "strict", "properties": old})
    ends = {f"a{i}": (NOV + timedelta(hours=i)).isoformat() for i in range(7)}
    for alert_id, end in ends.items():
        client.index(index=index, id=alert_id, document={"id": alert_id, "brand": "Acme", "window_end": end})
    client.indices.refresh(index=index)
    store = _open(es_url, prefix)
    try:
        assert store.alerts_backfilled == 7
        hits = client.search(index=index, size=100).body["hits"]["hits"]
        assert {h["_id"]: h["_source"]["decided_at"] for h in hits} == ends
        client.index(index=index, id="new", refresh=True,
                     document={"id": "new", "window_end": ends["a0"], "decided_at": ends["a6"]})
    finally:
        store.close()
    store = _open(es_url, prefix)  # idempotent: nothing left to fill
    try:
        assert store.alerts_backfilled == 0
        assert client.get(index=index, id="new").body["_source"]["decided_at"] == ends["a6"]
    finally:
        store.close()


def test_store_copy_reports_why_writes_failed(es_url, prefix, client, tmp_path):
    """Finding 3: the copy's report and its one-line summary name the reason the target gave for each batch that
    failed, not only "run the same command again"."""
    store = _open(es_url, prefix)
    old = SqliteStore(tmp_path / "old.db")
    try:
        assert all(r.ok for r in old.upsert(_mentions(4)))
        client.indices.create(index=f"{prefix}-mentions-2026.11")  # by our template: the block is what fails
        client.indices.put_settings(index=f"{prefix}-mentions-2026.11", settings={"index.blocks.write": True})
        report = copy_store(old, store, source_name="sqlite old", target_name="es", batch=2)
        assert report.failed == 4 and not report.complete
        [(reason, count)] = report.errors.items()
        assert count == 4 and "cluster_block_exception" in reason
        assert "cluster_block_exception" in (report.state_skipped_reason or "")
    finally:
        client.indices.put_settings(index=f"{prefix}-mentions-2026.11", settings={"index.blocks.write": None})
        old.close()
        store.close()


def test_store_copy_command_says_why_in_its_one_line(es_url, prefix, client, tmp_path):
    """Finding 3, through the CLI: exit 5, and the line on stderr gives the target's reason."""
    from click.testing import CliRunner  # lazy: only this test drives the CLI

    from groundswell.cli import cli  # lazy: as above

    old = SqliteStore(tmp_path / "old.db")
    assert all(r.ok for r in old.upsert(_mentions(3)))
    old.close()
    brands = "brands:\n  - name: Acme\n    query: acme\nsources: []\n"
    source, target = tmp_path / "old.yaml", tmp_path / "es.yaml"
    source.write_text(brands + f"store:\n  type: sqlite\n  path: {tmp_path / 'old.db'}\n", encoding="utf-8")
    target.write_text(brands + f"store:\n  type: elasticsearch\n  url: {es_url}\n  index_prefix: {prefix}\n",
                      encoding="utf-8")
    _open(es_url, prefix).close()
    index = f"{prefix}-mentions-2026.11"
    client.indices.create(index=index)
    client.indices.put_settings(index=index, settings={"index.blocks.write": True})
    try:
        result = CliRunner().invoke(cli, ["store", "copy", "-c", str(source), "--to", str(target), "--no-progress"])
    finally:
        client.indices.put_settings(index=index, settings={"index.blocks.write": None})
    assert result.exit_code == 5, result.output
    line = result.stderr.strip().splitlines()[-1]
    assert "3 mention(s) did not land" in line and "why: HTTP 403: cluster_block_exception" in line, line
