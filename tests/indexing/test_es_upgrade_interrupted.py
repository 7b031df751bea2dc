"""An upgrade's first open of Elasticsearch indices stopped hard (kill -9) while it fills `text_folded_v3` loses
nothing and resumes: the documents it filled keep the field, the next open fills only the others (its log line
names how many), and then every document is found by text search.

The killed process is a real one, killed once the node shows some documents filled and some not."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.mention import Mention
from indexing.base import Filters
from indexing.elasticsearch_mapping import SEARCH_FIELD, mentions_mappings, month_index, to_document

pytestmark = pytest.mark.elasticsearch

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 5, 1, tzinfo=UTC)
N = 20_000  # ~20 bulk pages of 1,000: the fill takes seconds, and the kill lands inside it
OPEN = """
import sys
sys.path.insert(0, {repo!r})
from indexing.elasticsearch import ElasticsearchStore
ElasticsearchStore({url!r}, index_prefix={prefix!r})
"""


def test_a_first_open_killed_mid_fill_resumes_where_it_stopped(es_url: str, prefix: str, caplog) -> None:
    from elasticsearch import Elasticsearch, helpers

    from indexing.elasticsearch import ElasticsearchStore

    client = Elasticsearch(es_url, request_timeout=120)
    old_mappings = mentions_mappings(language_analyzers=False)
    del old_mappings["properties"][SEARCH_FIELD]
    docs = [Mention(source="x", native_id=f"old{i}", text=f"La batería {i} dura poco", brand="acme",
                    created_at=T0 + timedelta(minutes=i)) for i in range(N)]
    index = month_index(prefix, T0)
    client.indices.create(index=index, mappings=old_mappings, aliases={f"{prefix}-mentions": {}})
    actions = ({"_index": index, "_id": m.id, "_source": {k: v for k, v in to_document(m).items()
                                                          if k != SEARCH_FIELD}} for m in docs)
    assert helpers.bulk(client, actions, chunk_size=5000)[0] == N
    client.indices.refresh(index=index)

    def filled() -> int:
        return client.count(index=index, query={"exists": {"field": SEARCH_FIELD}}).body["count"]

    proc = subprocess.Popen([sys.executable, "-c", OPEN.format(repo=str(REPO), url=es_url, prefix=prefix)])
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None and filled() == 0:
            time.sleep(0.1)
        assert proc.poll() is None, "the fill ended before the kill: nothing interrupted"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    client.indices.refresh(index=index)
    done = filled()
    assert 0 < done < N, done  # stopped part-way

    with caplog.at_level(logging.WARNING, logger="indexing.elasticsearch_migrate"):
        store = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        # Resumed: only the documents the killed open had not filled are filled now, and the line says so.
        assert any(f"on {N - done} mentions" in r.getMessage() and "about" in r.getMessage() for r in caplog.records)
        assert filled() == N
        assert store.count(Filters()) == N
        assert store.count(Filters(text="bateria")) == N
        assert store.get([docs[7].id]) == [docs[7]]
    finally:
        store.close()
        client.close()
