"""The `groundswell brands suggest` example in docs/configuration.md: the test's stored posts, in a temporary store.

    PYTHONPATH=. .venv/bin/python scripts/brands_suggest_example.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml

from groundswell.cli import cli
from indexing.sqlite import SqliteStore
from tests.groundswell.test_brands_suggest import STORED, _mention

with tempfile.TemporaryDirectory() as tmp:
    config = Path(tmp) / "groundswell.yaml"
    brands = [
        {"name": "Lumora", "query": "Lumora", "aliases": ["ルモラ"], "inflect": ["ru"]},
        {"name": "Sonique", "query": "Sonique", "competitor": True},
    ]
    config.write_text(yaml.safe_dump({"brands": brands, "store": {"path": "g.db"}}, allow_unicode=True), "utf-8")
    store = SqliteStore(Path(tmp) / "g.db")
    list(store.upsert([_mention(i, text, brand) for i, (text, brand) in enumerate(STORED)]))
    store.close()
    print("$ groundswell brands suggest Lumora --config groundswell.yaml --candidate 露莫拉")
    sys.exit(cli(["brands", "suggest", "Lumora", "--config", str(config), "--candidate", "露莫拉"]))
