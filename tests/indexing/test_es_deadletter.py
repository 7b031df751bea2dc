"""A 503 storm on Elasticsearch `_bulk`: mentions are parked once, replayed when the node is healthy again."""

from __future__ import annotations

import json

import pytest
from test_elasticsearch import FAST, faulty_client

from groundswell import pipeline
from groundswell.config import parse_config
from indexing.elasticsearch import ElasticsearchStore

pytestmark = pytest.mark.elasticsearch


def test_a_503_storm_is_parked_once_and_replayed(tmp_path, es_url, prefix):  # noqa: F811
    path = tmp_path / "in.jsonl"
    path.write_text("".join(
        json.dumps({"source": "x", "native_id": str(i), "text": f"Lumora {i}", "created_at": "2026-11-01T10:00:00Z"})
        + "\n"
        for i in range(5)
    ))
    config = parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "options": {"path": str(path)}}],
        "report": {"path": str(tmp_path / "report.html")},
    })
    deadletter = tmp_path / "deadletter.jsonl"
    for _ in range(2):  # the storm lasts two runs: the file is rewritten, never appended to
        client, _calls = faulty_client(es_url, {n: 503 for n in range(1, 1000)})
        stormy = ElasticsearchStore(index_prefix=prefix, client=client, bulk=FAST)
        report = pipeline.collect(config, stormy)
        assert report.failed_writes == 5 and report.deadletter == 5 and report.stored == 0
        assert len(deadletter.read_text().splitlines()) == 5
    healthy = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        report = pipeline.collect(config, healthy)
        assert report.replayed == 5 and report.deadletter == 0 and not deadletter.exists()
        assert healthy.count() == 5
    finally:
        healthy.close()
