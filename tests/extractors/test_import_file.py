"""The JSONL/CSV import source: bad lines are skipped with a reason, the rest imports."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from extractors.base import Window
from extractors.import_file import ImportExtractor
from groundswell.config import parse_config
from groundswell.pipeline import CollectReport, collect
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
    # 3 bad lines, reported once in the run although each brand's pass reads them
    assert report.skipped == 3
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
    assert {m.id: m.brands for m in store.iter_mentions()} == {"x:1": ["Lumora"], "x:2": ["Sonique"]}


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


def _lumora_lines(n: int) -> list[str]:
    return [_line(i, f"Lumora post {i}") for i in range(1, n + 1)]


def test_a_date_outside_utc_is_one_skipped_line_not_a_stopped_source(tmp_path):
    # 0001-01-01T00:00:00+01:00 is before datetime.min once moved to UTC: it used to raise
    # OverflowError, stop the source on every run and store none of the good lines.
    path = tmp_path / "in.jsonl"
    bad = json.dumps({"source": "x", "native_id": "99", "text": "Lumora", "created_at": "0001-01-01T00:00:00+01:00"})
    lines = _lumora_lines(6)
    path.write_text("\n".join([*lines[:3], bad, *lines[3:]]) + "\n")
    store = SqliteStore(tmp_path / "g.db")
    config = _config(path, tmp_path / "g.db")
    report = collect(config, store, brand="Lumora")
    assert report.errors == {}
    assert store.count() == 6
    assert any("line 4: created_at" in r for r in report.skipped_reasons)
    assert json.loads(store.get_state("cursor:import:Lumora"))["line"] == 7


def test_latin1_csv_is_read_with_the_detected_encoding(tmp_path):
    path = tmp_path / "export.csv"
    rows = ["source,native_id,text,created_at"]
    rows += [f'reddit,{i},"Lumora est très réussi, café crème n°{i}",2026-11-01T10:00:00Z' for i in range(5)]
    path.write_bytes(("\n".join(rows) + "\n").encode("latin-1"))
    store = SqliteStore(tmp_path / "g.db")
    report = collect(_config(path, tmp_path / "g.db"), store, brand="Lumora")
    assert report.errors == {} and report.skipped == 0
    assert sorted(m.text for m in store.iter_mentions())[0] == "Lumora est très réussi, café crème n°0"


def test_csv_saved_with_a_bom_imports_every_row(tmp_path):
    path = tmp_path / "export.csv"
    body = "source,native_id,text,created_at\n" + "".join(
        f"reddit,{i},Lumora {i},2026-11-01T10:00:00Z\n" for i in range(4)
    )
    path.write_bytes(body.encode("utf-8-sig"))
    store = SqliteStore(tmp_path / "g.db")
    report = collect(_config(path, tmp_path / "g.db"), store, brand="Lumora")
    assert report.skipped == 0 and store.count() == 4


def test_jsonl_with_a_bom_keeps_its_first_line(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(("\n".join(_lumora_lines(3)) + "\n").encode("utf-8-sig"))
    store = SqliteStore(tmp_path / "g.db")
    report = collect(_config(path, tmp_path / "g.db"), store, brand="Lumora")
    assert report.skipped == 0 and {m.native_id for m in store.iter_mentions()} == {"1", "2", "3"}


def test_undecodable_line_is_skipped_by_number_and_the_rest_imports(tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [line.encode() for line in _lumora_lines(4)]
    junk = b"\xff\xfe\x00\x81\x9f binary \xc3"  # not UTF-8, and no encoding chardet trusts for it
    path.write_bytes(b"\n".join([lines[0], lines[1], junk, lines[2], lines[3]]) + b"\n")
    store = SqliteStore(tmp_path / "g.db")
    report = collect(_config(path, tmp_path / "g.db"), store, brand="Lumora")
    assert report.errors == {} and store.count() == 4
    assert len(report.skipped_reasons) == 1 and "line 3:" in report.skipped_reasons[0]


def test_csv_row_with_extra_fields_is_skipped_by_number(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "source,native_id,text,created_at\n"
        "reddit,1,Lumora one,2026-11-01T10:00:00Z\n"
        "reddit,2,Lumora two,2026-11-01T10:00:00Z,surplus\n"
        "reddit,3,Lumora three\n"
        "reddit,4,Lumora four,2026-11-01T10:00:00Z\n"
    )
    batches = list(ImportExtractor({"path": str(path)}).extract("Lumora", "Lumora", None, Window()))
    assert [m.native_id for b in batches for m in b.mentions] == ["1", "4"]
    skipped = [s for b in batches for s in b.skipped]
    assert skipped[0].startswith("export.csv line 3: 5 fields")
    assert skipped[1].startswith("export.csv line 4: created_at")


def test_a_lone_surrogate_escape_is_repaired_not_fatal(tmp_path):
    # "\ud800" is valid JSON but not valid Unicode: SQLite (and JSON export) refused it, stopping the source.
    path = tmp_path / "in.jsonl"
    bad = '{"source": "x", "native_id": "s", "text": "Lumora \\ud800 cut emoji", "created_at": "2026-11-01"}'
    path.write_text("\n".join([_line(1, "Lumora one"), bad, _line(2, "Lumora two")]) + "\n")
    store = SqliteStore(tmp_path / "g.db")
    report = collect(_config(path, tmp_path / "g.db"), store, brand="Lumora")
    assert report.errors == {} and store.count() == 3
    assert {m.id: m.text for m in store.iter_mentions()}["x:s"] == "Lumora \ufffd cut emoji"


def _export_over_64k(rows: int = 300) -> str:
    """Whole lines past the 64 KiB the file identity hashes, so appending keeps the identity (and cursor)."""
    return "".join(_line(i, f"Lumora post {i} " + "x" * 300) + "\n" for i in range(rows))


def _import(path, store) -> tuple[CollectReport, int]:
    """One pipeline pass for Lumora: its report and the line its saved cursor is at."""
    report = collect(_config(path, store.path), store, brand="Lumora")
    assert report.errors == {}
    return report, json.loads(store.get_state("cursor:import:Lumora"))["line"]


def test_a_line_still_being_written_is_left_for_the_next_run(tmp_path, caplog):
    path, store = tmp_path / "export.jsonl", SqliteStore(tmp_path / "g.db")
    last = _line(300, "Lumora post 300 still being written") + "\n"
    path.write_text(_export_over_64k() + last[:40])  # the writer is mid-line
    with caplog.at_level(logging.INFO, "groundswell.extractors.import_file"):
        report, cursor = _import(path, store)
    assert report.stored == 300 and report.skipped == 0 and cursor == 300
    assert "line 301: no newline at the end" in caplog.text
    with path.open("a") as handle:
        handle.write(last[40:])  # the writer finishes the line
    report, cursor = _import(path, store)
    assert report.stored == 1 and cursor == 301 and store.count() == 301


def test_a_whole_last_line_without_newline_is_imported_and_the_cursor_stays_before_it(tmp_path):
    # A finished file whose writer left out the final newline: its last row must not be lost either.
    path, store = tmp_path / "export.jsonl", SqliteStore(tmp_path / "g.db")
    path.write_text(_export_over_64k() + _line(300, "Lumora last"))
    report, cursor = _import(path, store)
    assert report.stored == 301 and cursor == 300
    report, cursor = _import(path, store)  # read again, stored under the same id: no duplicate
    assert report.collected == 1 and cursor == 300 and store.count() == 301
    with path.open("a") as handle:
        handle.write("\n" + _line(301, "Lumora next") + "\n")
    report, cursor = _import(path, store)
    assert cursor == 302 and store.count() == 302


def test_a_csv_row_cut_mid_write_keeps_the_cursor_before_it(tmp_path):
    path = tmp_path / "export.csv"
    header = "source,native_id,text,created_at\n"
    rows = "".join(f"csv,{i},Lumora row {i} {'y' * 300},2026-11-01T10:00:00Z\n" for i in range(250))
    path.write_text(header + rows + "csv,250,Lumora row 2")  # cut inside the text
    store = SqliteStore(tmp_path / "g.db")
    report, cursor = _import(path, store)
    assert cursor == 251 and report.skipped == 0  # the header and 250 whole rows; the cut one is not "bad"
    with path.open("a") as handle:
        handle.write("50 finished,2026-11-01T10:00:00Z\n")
    _import(path, store)
    assert {m.text for m in store.iter_mentions() if m.native_id == "250"} == {"Lumora row 250 finished"}


def _small_export(first: int, count: int) -> str:
    """`count` whole Lumora lines from `first` on: a file far under the 64 KiB the cursor's hash can cover."""
    return "".join(_line(i, f"Lumora post {i}") + "\n" for i in range(first, first + count))


def test_an_appended_small_file_continues_from_its_cursor(tmp_path):
    # The hash covered "the first 64 KiB": all of a smaller file, so any append changed it and the
    # whole file was read again (`collected: 177, new: 3`).
    path, store = tmp_path / "export.jsonl", SqliteStore(tmp_path / "g.db")
    path.write_text(_small_export(0, 20))
    report, cursor = _import(path, store)
    assert (report.collected, cursor) == (20, 20)
    with path.open("a") as handle:
        handle.write(_small_export(20, 3))
    report, cursor = _import(path, store)
    assert (report.collected, report.created, cursor) == (3, 3, 23) and store.count() == 23
    report, cursor = _import(path, store)  # nothing new since
    assert (report.collected, cursor) == (0, 23)


def test_a_rewritten_small_file_is_read_anew(tmp_path):
    path, store = tmp_path / "export.jsonl", SqliteStore(tmp_path / "g.db")
    path.write_text(_small_export(0, 20))
    _import(path, store)
    # Longer than before, but not an append: line 1 changed. Every line is read (stable ids: no duplicates).
    path.write_text(_line(100, "Lumora rewritten") + "\n" + _small_export(1, 25))
    report, cursor = _import(path, store)
    assert (report.collected, cursor) == (26, 26) and store.count() == 27
    # Shorter than the bytes the cursor's hash covered: a new file too, even if it starts the same way.
    path.write_text(_line(100, "Lumora rewritten") + "\n")
    report, cursor = _import(path, store)
    assert (report.collected, cursor) == (1, 1)


def test_a_cursor_saved_before_read_options_were_recorded_goes_on_from_its_line(tmp_path):
    # Cursors already in stores record neither how the file was read nor the rows they skipped: read as the
    # versions that wrote them read the file (`_legacy_cursor`), they go on. Read again, the file's old reposts
    # became shares and fired a day-old viral alert (upgrade review s63).
    import hashlib

    path, store = tmp_path / "export.jsonl", SqliteStore(tmp_path / "g.db")
    path.write_text(_small_export(0, 5))
    _import(path, store)
    old = {"line": 5, "file": hashlib.sha1(path.read_bytes()).hexdigest()[:12]}
    store.set_state("cursor:import:Lumora", json.dumps(old))
    report, cursor = _import(path, store)
    assert (report.collected, report.created, cursor) == (0, 0, 5) and store.count() == 5
    report, cursor = _import(path, store)  # the cursor it saved continues too
    assert (report.collected, cursor) == (0, 5)
