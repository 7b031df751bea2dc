"""Diff review dsurge, finding 3: `run`'s summary carries `backlog` as `ingest`'s does (docs/operations.md): a pass
stopped with pages left shows what the source × brand still owes. Real X client against a local server, real
SQLite store, the real `run_once` (enrich stubbed: no model is needed to read the summary)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cli_config import write_config
from extractor_support import Reply
from test_backlog_visible_backlogfix import RECENT, _page

from groundswell import pipeline
from groundswell.config import load_config


def test_run_summary_has_the_backlog(server, tmp_path, monkeypatch):
    top = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    server.route(RECENT, Reply(200, _page([top - timedelta(minutes=m) for m in range(10)], token="p2")))
    path = write_config(tmp_path, sources=[{"type": "x", "options": {
        "api_base_url": server.base, "max_results": 10, "max_pages": 1}}], nlp={"themes": False})
    monkeypatch.setenv("X_BEARER_TOKEN", "t")
    monkeypatch.setattr(pipeline, "enrich", lambda *a, **k: pipeline.EnrichReport())
    summary = pipeline.run_once(load_config(str(path)), write_report=False, send=False)
    assert summary["backlog"]["x/Acme"]["ranges"] == 1, summary.get("backlog")
