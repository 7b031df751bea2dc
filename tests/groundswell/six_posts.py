"""A config that imports six Lumora news posts in batches of two into a real SQLite store: the small collection
the store-failure tests (a refused cursor, a store that goes away) run, each adding its own fault."""

from __future__ import annotations

import json
from pathlib import Path

from groundswell.config import Config, load_config


def six_post_import(tmp_path: Path) -> Config:
    """Write `in.jsonl` (six posts, 10:01 to 10:06 on 1 Nov 2026) and `g.yaml` (import source, `g.db`) under
    `tmp_path`; the loaded config."""
    rows = [{"native_id": str(i), "text": f"Lumora {i}", "url": f"https://news.example.com/{i}",
             "created_at": f"2026-11-01T10:0{i}:00Z"} for i in range(1, 7)]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "g.yaml").write_text(json.dumps({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl"), "batch_size": 2}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "g.db")},
        "report": {"path": str(tmp_path / "out" / "report.html")},
    }))
    return load_config(str(tmp_path / "g.yaml"))
