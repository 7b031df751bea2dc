"""Small configs for CLI tests: `write_config` (one brand, an import source over an empty file and an embedded
store, all in one folder) and `TWO_BRANDS_SQLITE` (the YAML of the store commands' tests). Import as
`from cli_config import write_config` (tests/ is on sys.path through tests/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_config(folder: Path, **sections: Any) -> Path:
    """`folder/g.yaml`: brand Acme, the import source over `folder/in.jsonl` (empty: nothing to collect, so no
    model is loaded), the store `folder/g.db`, the report `folder/report.html`, and `sections` added or
    replacing those."""
    (folder / "in.jsonl").write_text("", encoding="utf-8")
    config = {
        "brands": [{"name": "Acme", "query": "acme"}],
        "sources": [{"type": "import", "options": {"path": str(folder / "in.jsonl")}}],
        "store": {"path": str(folder / "g.db")},
        "report": {"path": str(folder / "report.html")},
        **sections,
    }
    path = folder / "g.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


# Two brands, no sources, the SQLite store g.db beside the config file (the store commands' tests write it there).
TWO_BRANDS_SQLITE = """\
brands:
  - name: Acme
    query: acme
  - name: Globex
    query: globex
sources: []
store:
  type: sqlite
  path: g.db
"""
