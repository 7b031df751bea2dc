"""One mention format in and out: a dashboard export feeds `alerts backtest` and the import source as it is.

Over the real demo SQLite store: export through the dashboard API, replay the file with the real
`groundswell alerts backtest` command, import it with the real import source, and compare.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from fastapi.testclient import TestClient
from web_support import BRANDS, demo_db

from core.mention import dump_mention, load_mention
from dashboards.web.app import create_app
from extractors.base import Window
from extractors.import_file import ImportExtractor
from groundswell.cli import cli
from groundswell.config import BrandConfig
from indexing.base import Filters
from indexing.sqlite import SqliteStore

FILTERS = {"brand": "Lumora", "q": "lumora"}


def test_export_feeds_backtest_and_import_unchanged(tmp_path):
    store = SqliteStore(demo_db())
    try:
        stored = list(store.iter_mentions(Filters(brand="Lumora", text="lumora")))
        brands = [BrandConfig(name=n, query=n, competitor=c) for n, c in BRANDS]
        with TestClient(create_app(store, brands), base_url="http://127.0.0.1") as client:
            response = client.get("/api/export", params={**FILTERS, "format": "json"})  # the page's ⬇ JSON
    finally:
        store.close()
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    assert 'filename="groundswell-mentions.jsonl"' in response.headers["content-disposition"]
    path = tmp_path / "export.jsonl"
    path.write_bytes(response.content)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(stored) > 100 and len(lines) == len(stored)

    # Backtest accepts every line (a repeated post by the same author counts once, never as rejected).
    result = CliRunner().invoke(cli, ["alerts", "backtest", "--input", str(path)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])["summary"]
    assert summary["lines"] == len(lines)
    assert summary["skipped"] | {"duplicates": 0} == {"no_sentiment": 0, "no_brand": 0, "invalid": 0, "duplicates": 0}
    assert summary["loaded"] + summary["skipped"]["duplicates"] == len(lines)
    assert summary["brands"] == ["Lumora"]

    # The import source reads back the very mentions that were stored.
    batches = list(ImportExtractor({"path": str(path)}).extract("Lumora", "lumora", None, Window()))
    imported = [m for b in batches for m in b.mentions]
    assert [s for b in batches for s in b.skipped] == []
    # ... but for `collected_at`: when it arrived, which the import stamps with its own run, as every source does.
    same = [m.model_dump(exclude={"collected_at"}) for m in imported]
    assert same == [m.model_dump(exclude={"collected_at"}) for m in stored]
    assert all(m.collected_at is not None for m in imported)


def test_dump_and_load_are_inverse():
    store = SqliteStore(demo_db())
    try:
        sample = list(store.iter_mentions(Filters(brand="Sonique")))[:50]
    finally:
        store.close()
    assert sample and all(load_mention(dump_mention(m)) == m for m in sample)
