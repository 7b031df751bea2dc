"""The import reads one open file per run (s67 dimport, finding 3): the hash saved with each cursor came from the
path opened again, so a file moved away mid-run (logrotate) crashed the source after its first batch, and one
replaced mid-run (an exporter's atomic rename) tied the cursor to bytes the run never read."""

from __future__ import annotations

import json
import os

import groundswell.pipeline as pipeline
from groundswell.config import parse_config
from groundswell.pipeline import collect
from indexing.sqlite import SqliteStore


def _config(path, db):
    return parse_config(
        {
            "brands": [{"name": "Lumora", "query": "Lumora"}],
            "sources": [{"type": "import", "options": {"path": str(path), "batch_size": 50}}],
            "store": {"type": "sqlite", "path": str(db)},
        }
    )


def _rows(first: int, count: int, pad: int = 0) -> str:
    return "".join(json.dumps({"source": "x", "native_id": str(i), "text": f"Lumora {i} " + "x" * pad,
                               "created_at": "2026-11-01T10:00:00Z"}) + "\n" for i in range(first, first + count))


def _after_first_batch(monkeypatch, action) -> None:
    """Run `action` once, while the pipeline stores the run's first batch (the extractor is paused mid-file)."""
    real, calls = pipeline._store_batch, []

    def store_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            action()
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_store_batch", store_batch)


def test_a_file_moved_away_mid_run_is_read_to_its_end(tmp_path, monkeypatch):
    path, db = tmp_path / "e.jsonl", tmp_path / "g.db"
    path.write_text(_rows(0, 300))
    _after_first_batch(monkeypatch, lambda: os.rename(path, tmp_path / "e.jsonl.1"))
    store = SqliteStore(db)
    report = collect(_config(path, db), store)
    assert report.errors == {}
    assert store.count() == 300


def test_a_file_replaced_mid_run_ties_the_cursor_to_the_bytes_read(tmp_path, monkeypatch):
    # The replacement keeps the first 200 rows (the same 64 KiB head) but has other bytes before the saved offset:
    # the next run must see that and read it from the start, not resume past rows it never read.
    path, db = tmp_path / "e.jsonl", tmp_path / "g.db"
    path.write_text(_rows(0, 300, pad=400))
    replacement = _rows(0, 200, pad=400) + _rows(1000, 400, pad=400)
    assert len(_rows(0, 200, pad=400)) > 65536

    def replace() -> None:
        staged = tmp_path / "e.jsonl.tmp"
        staged.write_text(replacement)
        os.replace(staged, path)

    _after_first_batch(monkeypatch, replace)
    store = SqliteStore(db)
    collect(_config(path, db), store)
    assert store.count() == 300  # this run read the file it opened, to its end
    monkeypatch.undo()
    collect(_config(path, db), store)
    ids = {m.native_id for m in store.iter_mentions()}
    assert {str(i) for i in range(1000, 1400)} <= ids  # every row of the new file, none skipped as "read"
