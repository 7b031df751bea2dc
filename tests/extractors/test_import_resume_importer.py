"""The import's cursor resumes at a byte offset: a run over a file with nothing new reads no line of it, one over an
appended file reads only what was appended (every run read the whole file to reach its cursor line: 12.3 s at
70k lines with nothing new). The offset holds only while the bytes before it are unchanged: a file rewritten or
truncated is read anew (stable ids: nothing doubles)."""

from __future__ import annotations

import json

import pytest

from extractors import import_file
from groundswell.config import parse_config
from groundswell.pipeline import collect
from indexing.sqlite import SqliteStore

CURSOR = "cursor:import:Lumora"


def _config(path, db, **options):
    return parse_config(
        {
            "brands": [{"name": "Lumora", "query": "Lumora"}],
            "sources": [{"type": "import", "options": {"path": str(path), "batch_size": 50, **options}}],
            "store": {"type": "sqlite", "path": str(db)},
        }
    )


def _jsonl(first: int, count: int, pad: int = 300) -> str:
    return "".join(json.dumps({"source": "x", "native_id": str(i), "text": f"Lumora {i} " + "x" * pad,
                               "created_at": "2026-11-01T10:00:00Z"}) + "\n" for i in range(first, first + count))


def _csv(first: int, count: int) -> str:
    return "".join(f"x,{i},Lumora {i} {'y' * 300},2026-11-01T10:00:00Z\n" for i in range(first, first + count))


@pytest.fixture
def lines_read(monkeypatch):
    """How many lines each run reads from the file (`extractors.textfile.read_lines`, as the import calls it)."""
    counted: list[int] = []
    real = import_file.read_lines

    def counting(*args, **kwargs):
        for line in real(*args, **kwargs):
            counted[-1] += 1
            yield line

    monkeypatch.setattr(import_file, "read_lines", counting)

    def run(config, store):
        counted.append(0)
        report = collect(config, store)
        assert report.errors == {}
        return report, counted[-1]

    return run


def test_a_run_with_nothing_new_reads_no_line_and_an_append_only_what_was_appended(tmp_path, lines_read):
    path, db = tmp_path / "export.jsonl", tmp_path / "g.db"
    path.write_text(_jsonl(0, 300))  # past the 64 KiB the file's identity hashes
    store = SqliteStore(db)
    report, read = lines_read(_config(path, db), store)
    assert (report.collected, read) == (300, 300)
    report, read = lines_read(_config(path, db), store)
    assert (report.collected, read) == (0, 0)
    with path.open("a") as handle:
        handle.write(_jsonl(300, 3) + _jsonl(303, 1)[:50])  # the writer is mid-line
    report, read = lines_read(_config(path, db), store)
    assert (report.collected, read) == (3, 4)
    with path.open("a") as handle:
        handle.write(_jsonl(303, 1)[50:])  # the half-written line is finished: read again, whole, not skipped
    report, read = lines_read(_config(path, db), store)
    assert (report.collected, read) == (1, 1) and store.count() == 304


def test_a_csv_file_resumes_after_its_header(tmp_path, lines_read):
    path, db = tmp_path / "export.csv", tmp_path / "g.db"
    path.write_text("source,native_id,text,created_at\n" + _csv(0, 250))
    store = SqliteStore(db)
    lines_read(_config(path, db), store)
    with path.open("a") as handle:
        handle.write(_csv(250, 2))
    report, read = lines_read(_config(path, db), store)
    # The header and the first row (read again for the column names), then the two new rows.
    assert report.collected == 2 and read == 4 and store.count() == 252


def test_a_truncated_file_written_again_past_its_head_is_read_anew(tmp_path):
    # A file cut back (rotated by copytruncate, or regenerated) and filled again with fewer lines than the cursor's
    # line: the line count alone passed over every new row (its first 64 KiB, the file's identity, are the same).
    path, db = tmp_path / "export.jsonl", tmp_path / "g.db"
    path.write_text(_jsonl(0, 300))
    store = SqliteStore(db)
    collect(_config(path, db), store)
    path.write_text(_jsonl(0, 250) + _jsonl(1000, 20))
    report = collect(_config(path, db), store)
    assert report.errors == {} and report.created == 20 and store.count() == 320


def test_a_file_changed_before_its_cursor_is_read_anew(tmp_path):
    # A row well past the head rewritten longer: every byte after it moves, so the offset no longer starts a line.
    path, db = tmp_path / "export.jsonl", tmp_path / "g.db"
    rows = _jsonl(0, 300).splitlines(keepends=True)
    path.write_text("".join(rows))
    store = SqliteStore(db)
    collect(_config(path, db), store)
    rows[280] = rows[280].replace("Lumora 280", "Lumora 280 edited")
    path.write_text("".join(rows) + _jsonl(300, 1))
    report = collect(_config(path, db), store)
    assert report.errors == {} and report.collected == 301 and store.count() == 301
    assert {m.text.split(" x")[0] for m in store.iter_mentions() if m.native_id == "280"} == {"Lumora 280 edited"}


def test_a_row_skipped_as_malformed_is_retried_from_its_offset_and_imported_once_fixed(tmp_path, lines_read):
    path, db = tmp_path / "export.jsonl", tmp_path / "g.db"
    rows = _jsonl(0, 300).splitlines(keepends=True)
    rows[250] = '{"source": "x", "native_id": "250", "text": "Lumora 250 cut\n'
    path.write_text("".join(rows))
    store = SqliteStore(db)
    report, read = lines_read(_config(path, db), store)
    assert report.collected == 299 and report.skipped == 1
    report, read = lines_read(_config(path, db), store)  # from the remembered row on, not the whole file
    assert (report.collected, read) == (0, 50)
    rows[250] = _jsonl(250, 1)
    path.write_text("".join(rows))  # fixed in place, longer: the bytes before the row are the same
    report, read = lines_read(_config(path, db), store)
    assert (report.collected, read) == (1, 50) and store.count() == 300
    cursor = json.loads(store.get_state(CURSOR))
    assert cursor["retry"] == [] and cursor["at"][0] == 300
    report, read = lines_read(_config(path, db), store)
    assert (report.collected, read) == (0, 0)
