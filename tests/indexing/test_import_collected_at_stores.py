"""Imported posts carry when they arrived (`collected_at`), on both stores, as every other source's posts do.

The import source built its mentions without `Selector._build`, the step that stamps the run's clock, so every
imported post was stored with `collected_at` null (the integrator review's 105,000-post store: all null on SQLite
and Elasticsearch), and a warehouse could not tell what arrived since its last load. Real stores: SQLite, and
Elasticsearch on a real node (tests/es_node.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from store_support import STORES, open_store

from extractors.base import Window
from extractors.import_file import ImportExtractor
from indexing.base import Filters


@pytest.fixture(params=STORES)
def store(request, tmp_path):
    yield from open_store(request.param, request, tmp_path, prefix="gs-test-collected")


ROWS = [
    # another tool's export, and one of Groundswell's own that says when its first store collected it
    {"source": "forum", "native_id": "1", "text": "Lumora battery died", "created_at": "2026-11-02T10:00:00Z"},
    {"source": "forum", "native_id": "2", "text": "Lumora is fine", "created_at": "2026-11-02T11:00:00Z",
     "collected_at": "2026-11-03T00:00:00Z"},
]


def test_imported_posts_are_stamped_with_the_run_that_stored_them(store, tmp_path):
    jsonl = tmp_path / "posts.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    csv_file = tmp_path / "posts.csv"
    csv_file.write_text("source,native_id,text,created_at\nforum,3,Lumora again,2026-11-02T12:00:00Z\n",
                        encoding="utf-8")
    before = datetime.now(UTC)
    batches = [b for path in (jsonl, csv_file)
               for b in ImportExtractor({"path": str(path)}).extract("Lumora", "Lumora", None, Window())]
    after = datetime.now(UTC)
    mentions = [m for b in batches for m in b.mentions]
    assert len(mentions) == 3 and not [s for b in batches for s in b.skipped]
    assert all(r.ok for r in store.upsert(mentions))
    stored = store.get([m.id for m in mentions])
    assert len(stored) == 3
    for m in stored:
        assert m.collected_at is not None, m.id
        assert before <= m.collected_at <= after, (m.id, m.collected_at)  # this run's, not the file's 2026-11-03
    # The export's JSONL (what a warehouse loads) carries it too.
    assert all(json.loads(m.model_dump_json())["collected_at"] for m in store.iter_mentions(Filters()))
