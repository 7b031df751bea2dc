"""The JSONL/CSV import source: bad lines are skipped with a reason, the rest imports."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from extractors.base import Window
from extractors.import_file import ImportExtractor
from groundswell.config import parse_config
from groundswell.pipeline import collect
from indexing.sqlite import SqliteStore


def _line(i: int, text: str, day: int = 1) -> str:
    return json.dumps({"source": "x", "native_id": str(i), "text": text, "created_at": f"2026-11-0{day}T10:00:00Z"})


def _config(path, store_path) -> object:
    return parse_config(
        {
            "brands": [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique"}],
            "sources": [{"type": "import", "options": {"path": str(path), "batch_size": 2}}],
            "store": {"type": "sqlite", "path": str(store_path)},
        }
    )


def test_corrupt_lines_are_counted_and_the_rest_imported(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        "\n".join(
            [
                _line(1, "Lumora is nice"),
                "{not json",
                _line(2, "Sonique is nice"),
                json.dumps({"source": "x", "native_id": "3", "text": "Lumora"}),  # no created_at
                "[1, 2]",
                _line(4, "unrelated post"),
                _line(5, "Lumora again"),
            ]
        )
        + "\n"
    )
    store = SqliteStore(tmp_path / "g.db")
    config = _config(path, tmp_path / "g.db")
    report = collect(config, store)
    assert store.count() == 3
    # 3 bad lines, seen once per brand pass
    assert report.skipped == 6
    reasons = " | ".join(report.skipped_reasons)
    assert (
        "line 2: invalid JSON" in reasons
        and "line 4: created_at" in reasons
        and "line 5: expected a JSON object" in reasons
    )
    # A second run resumes after the saved cursor: nothing new, nothing duplicated.
    again = collect(config, store)
    assert again.collected == 0 and store.count() == 3


def test_appended_lines_are_picked_up_and_brand_is_assigned(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(_line(1, "Lumora one") + "\n")
    store = SqliteStore(tmp_path / "g.db")
    config = _config(path, tmp_path / "g.db")
    collect(config, store)
    with path.open("a") as handle:
        handle.write(_line(2, "Sonique two") + "\n")
    collect(config, store)
    assert {m.id: m.brand for m in store.iter_mentions()} == {"x:1": "Lumora", "x:2": "Sonique"}


def test_window_limits_what_is_imported_and_leaves_cursor(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(_line(1, "Lumora day one", day=1) + "\n" + _line(2, "Lumora day two", day=2) + "\n")
    extractor = ImportExtractor({"path": str(path)})
    window = Window(since=datetime(2026, 11, 2, tzinfo=UTC), until=datetime(2026, 11, 3, tzinfo=UTC))
    batches = list(extractor.extract("Lumora", "Lumora", None, window))
    assert [m.native_id for b in batches for m in b.mentions] == ["2"]
    assert all(b.cursor is None for b in batches)


def test_csv_export(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "source,native_id,text,created_at,author_handle,author_followers,likes,lang\n"
        "reddit,a1,Lumora rocks,2026-11-01T10:00:00Z,bob,12,3,en\n"
        "reddit,a2,Lumora,not-a-date,bob,12,3,en\n"
    )
    batches = list(ImportExtractor({"path": str(path)}).extract("Lumora", "Lumora", None, Window()))
    mentions = [m for b in batches for m in b.mentions]
    assert [(m.id, m.author.handle, m.author.followers, m.engagement.likes) for m in mentions] == [
        ("reddit:a1", "bob", 12, 3)
    ]
    assert len([s for b in batches for s in b.skipped]) == 1


def test_missing_file_is_a_source_error_not_a_crash(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    report = collect(_config(tmp_path / "missing.jsonl", tmp_path / "g.db"), store)
    assert "import file not found" in report.errors["import/Lumora"]


def test_backfill_without_cursor_neither_reads_nor_moves_it(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(_line(1, "Lumora one") + "\n" + _line(2, "Lumora two") + "\n")
    store = SqliteStore(tmp_path / "g.db")
    config = _config(path, tmp_path / "g.db")
    store.set_state("cursor:import:Lumora", '{"line": 99, "file": "elsewhere"}')
    report = collect(config, store, brand="Lumora", use_cursor=False)
    assert report.stored == 2
    assert store.get_state("cursor:import:Lumora") == '{"line": 99, "file": "elsewhere"}'
