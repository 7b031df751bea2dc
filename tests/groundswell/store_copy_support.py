"""Shared set-up of the store-copy tests (tests/groundswell/test_store_copy_shares.py, test_stand_in_reposts.py):
a config collecting an import feed for Lumora and Sonique, and the store a copy goes into."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from es_node import delete_prefix

from groundswell.config import Config, parse_config
from indexing.base import Store
from indexing.sqlite import SqliteStore


def import_config(tmp_path: Path, lines: list[dict], name: str, db: str | None = None) -> Config:
    """Brands Lumora and Sonique, one import source over `lines` (written to tmp_path/<name>.jsonl), the SQLite
    store tmp_path/<db or name>.db."""
    feed = tmp_path / f"{name}.jsonl"
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique"}],
        "sources": [{"type": "import", "name": "x-export", "options": {"path": str(feed)}}],
        "store": {"type": "sqlite", "path": str(tmp_path / f"{db or name}.db")},
        "report": {"path": str(tmp_path / "report.html")},
    })


def copy_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The store copied into, for a fixture parametrized ["sqlite", "elasticsearch"] (`yield from` it): a SQLite
    file, or a fresh index prefix on the real Elasticsearch node (the case marked `elasticsearch`)."""
    if request.param == "sqlite":
        store = SqliteStore(tmp_path / "target.db")
        yield store
        store.close()
        return
    request.applymarker(pytest.mark.elasticsearch)
    from indexing.elasticsearch import ElasticsearchStore  # lazy: only the Elasticsearch case needs the client

    prefix = f"gs-test-{uuid.uuid4().hex[:8]}"
    store = ElasticsearchStore(request.getfixturevalue("es_url"), index_prefix=prefix)
    try:
        yield store
    finally:
        delete_prefix(store.client, prefix)
        store.close()
