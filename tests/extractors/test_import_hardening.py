"""Hostile import files, found by a review: each bad row is skipped with its reason and counted, nothing around it
is lost, and nothing it holds is stored (extractors/import_file.py, extractors/plausible.py, extractors/textfile.py).
Through the real `groundswell ingest` and a real SQLite store."""

from __future__ import annotations

import json
import logging
import tracemalloc
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from extractors import import_file
from extractors.base import CLOCK_SKEW, Window
from extractors.import_file import MAX_ROW_BYTES, ImportExtractor
from extractors.plausible import EARLIEST_POST
from groundswell.cli import cli
from indexing.sqlite import SqliteStore


def _ingest(tmp_path, path, brands=("Acme",)) -> tuple[int, dict, set[str]]:
    """`groundswell ingest` of `path`: its exit code, its summary and the native ids stored."""
    config = tmp_path / "g.yaml"
    config.write_text(json.dumps({
        "brands": [{"name": b, "query": b.split()[0]} for b in brands],
        "sources": [{"type": "import", "options": {"path": str(path)}}],
        "store": {"path": str(tmp_path / "g.db")}, "report": {"path": str(tmp_path / "report.html")},
    }))
    result = CliRunner().invoke(cli, ["ingest", "-c", str(config), "--no-progress"])
    summary = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    store = SqliteStore(tmp_path / "g.db")
    try:
        return result.exit_code, summary, {m.native_id for m in store.iter_mentions()}
    finally:
        store.close()


def _cursor(tmp_path, brand: str = "Acme") -> dict:
    store = SqliteStore(tmp_path / "g.db")
    try:
        return json.loads(store.get_state(f"cursor:import:{brand}"))
    finally:
        store.close()


def _texts(tmp_path) -> dict[str, str]:
    store = SqliteStore(tmp_path / "g.db")
    try:
        return {m.native_id: m.text for m in store.iter_mentions()}
    finally:
        store.close()


def _row(native_id: str, text: str, when: str = "2026-11-02T10:00:00Z", **extra) -> str:
    return json.dumps({"source": "x", "native_id": native_id, "text": text, "created_at": when,
                       "author": {"handle": "h", "id": "h"}, **extra}) + "\n"


def test_posts_dated_year_1_or_9999_are_skipped_with_a_reason(tmp_path):
    # Stored, one such post made every later `run` fail (spam look-back) and the dashboard answer 500.
    path = tmp_path / "t.jsonl"
    future = (datetime.now(UTC) + CLOCK_SKEW + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path.write_text(_row("g1", "Acme zero time post", "0001-01-01T00:00:00Z") + _row("ok", "Acme fine")
                    + _row("g9", "Acme far post", "9999-12-31T23:00:00Z") + _row("soon", "Acme next year", future)
                    + _row("old", "Acme 1999", "1999-12-31T23:59:59Z"))
    code, summary, stored = _ingest(tmp_path, path)
    assert code == 0 and stored == {"ok"}
    assert summary["skipped"] == 4, summary
    reasons = summary["skipped_reasons"]
    assert f"t.jsonl line 1: created_at 0001-01-01T00:00:00+00:00 is before {EARLIEST_POST.date()}" in reasons[0]
    assert reasons[1].startswith("t.jsonl line 3: created_at 9999-12-31T23:00:00+00:00 is in the future")
    assert reasons[2].startswith("t.jsonl line 4:") and "in the future" in reasons[2]
    assert reasons[3].startswith("t.jsonl line 5: created_at 1999-12-31T23:59:59+00:00 is before")
    assert reasons[1].endswith("a wrong clock: skipped, not read again")
    # Not remembered (a wrong date reads the same next time): never doubled, never reported twice.
    code, again, stored = _ingest(tmp_path, path)
    assert code == 0 and again["skipped"] == 0 and again["created"] == 0 and stored == {"ok"}
    assert _cursor(tmp_path)["retry"] == []


def test_a_stray_quote_is_one_bad_row_and_the_rows_after_it_import(tmp_path):
    # The review's q.csv: row 52 opened a quote it never closed; row 53 vanished into its text, 0 skipped.
    path = tmp_path / "q.csv"
    path.write_text("native_id,text,created_at,author_handle,lang\n"
                    "51,acme first row,2026-11-02T10:00:00Z,h1,en\n"
                    '52,"acme unclosed quote here,2026-11-02T11:00:00Z,h2,en\n'
                    '53,"acme third",2026-11-02T12:00:00Z,h3,en\n'
                    "54,acme fourth,2026-11-02T13:00:00Z,h4,en\n"
                    "55,acme fifth,2026-11-02T14:00:00Z,h5,en\n")
    code, summary, stored = _ingest(tmp_path, path)
    assert code == 0 and stored == {"51", "54", "55"}
    assert summary["skipped"] == 1
    assert summary["skipped_reasons"][0].startswith("q.csv line 3: unreadable CSV")
    assert "lines 3-4 read as one row" in summary["skipped_reasons"][0]


def test_a_stray_quote_closed_at_a_later_fields_end_is_caught_too(tmp_path):
    # The strict reader cannot see this one: the next quote (12" at a field's end) closes the stray one cleanly.
    path = tmp_path / "q.csv"
    path.write_text("native_id,text,created_at,author_handle,lang\n"
                    '52,"acme unclosed quote here,2026-11-02T11:00:00Z,h2,en\n'
                    '53,acme 12",2026-11-02T12:00:00Z,h3,en\n'
                    "54,acme fourth,2026-11-02T13:00:00Z,h4,en\n")
    code, summary, stored = _ingest(tmp_path, path)
    assert code == 0 and stored == {"54"}
    assert summary["skipped"] == 1
    assert "a quote opened on line 2 runs on to line 3: lines 2-3 read as one row" in summary["skipped_reasons"][0]


def test_text_quoted_over_several_lines_still_imports(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("native_id,text,created_at,author_handle,lang\n"
                    '51,"acme line1\nline2, with ""quotes"", and, commas\nline 3,a,b,c,d",2026-11-02T10:00:00Z,h1,en\n'
                    '52,"acme, a, b, c, d\nmore",2026-11-02T11:00:00Z,h2,en\n'
                    "53,acme plain,2026-11-02T12:00:00Z,h3,en\n")
    code, summary, stored = _ingest(tmp_path, path)
    assert code == 0 and summary["skipped"] == 0 and stored == {"51", "52", "53"}


def test_rows_naming_no_configured_brand_are_skipped_with_a_reason(tmp_path):
    # They vanished: collected 0, skipped 0. Rows for another configured brand are that brand's, said nowhere.
    path = tmp_path / "exp.jsonl"
    path.write_text(_row("1", "Lumora one", brands=["Lumora"]) + _row("2", "Lumora two", brands=["Lumora"])
                    + _row("3", "Acme three", brands=["Acme"]) + _row("4", "Other four", brands=["Other"]))
    code, summary, stored = _ingest(tmp_path, path, brands=("Lumora Inc", "Acme", "Other"))
    assert code == 0 and stored == {"3", "4"}
    assert summary["skipped"] == 2  # once each, not once per brand pass
    assert summary["skipped_reasons"] == [
        "exp.jsonl line 1: row names brands Lumora; none configured: Lumora Inc, Acme, Other",
        "exp.jsonl line 2: row names brands Lumora; none configured: Lumora Inc, Acme, Other",
    ]


def test_an_oversize_jsonl_line_is_skipped_by_size_and_the_rest_imports(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text(_row("41", "Acme before") + _row("42", "Acme " + "x" * (2 * MAX_ROW_BYTES))
                    + _row("43", "Acme after"))
    code, summary, stored = _ingest(tmp_path, path)
    assert code == 0 and stored == {"41", "43"}
    assert summary["skipped"] == 1
    assert summary["skipped_reasons"][0].startswith("e.jsonl line 2: a line of ")
    assert f"longer than the limit of one row ({MAX_ROW_BYTES} bytes)" in summary["skipped_reasons"][0]


def test_an_oversize_csv_row_over_several_lines_is_skipped_by_the_same_rule(tmp_path):
    # Each line is short, the quoted text long: the same limit, counted over the row's lines.
    path = tmp_path / "big.csv"
    text = "\n".join(["acme " + "y" * 1000] * (MAX_ROW_BYTES // 1000 + 5))
    path.write_text("native_id,text,created_at\n" f'1,"{text}",2026-11-02T10:00:00Z\n'
                    "2,acme after,2026-11-02T11:00:00Z\n")
    code, summary, stored = _ingest(tmp_path, path)
    assert code == 0 and stored == {"2"}
    assert summary["skipped"] == 1
    assert f"is longer than the limit of one row ({MAX_ROW_BYTES} bytes)" in summary["skipped_reasons"][0]


def test_an_oversize_line_is_never_held_in_memory(tmp_path):
    # A 50 MB line cost 3.8 GB: read whole, decoded, parsed. Now it is read through a bounded readline.
    path = tmp_path / "e.jsonl"
    size = 20_000_000
    path.write_text(_row("41", "Acme before") + _row("42", "Acme " + "x" * size) + _row("43", "Acme after"))
    extractor = ImportExtractor({"path": str(path)})
    tracemalloc.start()
    try:
        batches = list(extractor.extract("Acme", "acme", None, Window()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [m.native_id for b in batches for m in b.mentions] == ["41", "43"]
    assert peak < size // 4, f"peak {peak} bytes while reading a {size}-byte line"


def test_an_export_of_other_brands_rows_never_fills_the_rows_kept_for_retry(tmp_path):
    # An agency export: 1,005 rows for another client, then 5 of ours. Each "Rival" row was remembered like a
    # malformed one: past RETRY_KEPT the run exited 4, stored nothing, and every later run failed the same way.
    path = tmp_path / "agency.jsonl"
    path.write_text("".join(_row(f"r{i}", f"Rival post {i}", brands=["Rival"]) for i in range(1005))
                    + "".join(_row(f"a{i}", f"Acme post {i}", brands=["Acme"]) for i in range(5)))
    code, summary, stored = _ingest(tmp_path, path)
    assert code == 0, summary
    assert stored == {f"a{i}" for i in range(5)}
    assert summary["skipped"] == 1005
    assert _cursor(tmp_path)["retry"] == []  # reported, not remembered
    code, again, stored = _ingest(tmp_path, path)
    assert code == 0 and again["skipped"] == 0 and again["created"] == 0 and len(stored) == 5


def test_a_file_of_only_other_brands_rows_warns_and_does_not_fail(tmp_path, caplog):
    # It failed as a file of which no row reads, asking whether `format` and the columns were right: they were.
    path = tmp_path / "rival.jsonl"
    path.write_text("".join(_row(f"r{i}", f"Rival post {i}", brands=["Rival", "Other"]) for i in range(3)))
    with caplog.at_level(logging.WARNING, logger="groundswell.extractors.import_file"):
        code, summary, stored = _ingest(tmp_path, path)
    assert code == 0, summary
    assert stored == set() and summary["skipped"] == 3
    assert summary["skipped_reasons"][0] == "rival.jsonl line 1: row names brands Rival, Other; none configured: Acme"
    warnings = [r.getMessage() for r in caplog.records if r.name == "groundswell.extractors.import_file"]
    assert len(warnings) == 1, warnings
    assert "all 3 row(s) read name only brands the config does not have (Rival, Other; configured: Acme)" \
        in warnings[0]
    assert "`format`" not in caplog.text


def test_implausibly_dated_rows_never_fill_the_rows_kept_for_retry(tmp_path, monkeypatch):
    monkeypatch.setattr(import_file, "RETRY_KEPT", 3)
    path = tmp_path / "d.jsonl"
    future = (datetime.now(UTC) + CLOCK_SKEW + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path.write_text("".join(_row(f"old{i}", "Acme old", "1999-06-01T00:00:00Z") for i in range(4))
                    + "".join(_row(f"new{i}", "Acme new", future) for i in range(3)) + _row("ok", "Acme fine"))
    code, summary, stored = _ingest(tmp_path, path)
    assert code == 0, summary
    assert stored == {"ok"} and summary["skipped"] == 7
    assert _cursor(tmp_path)["retry"] == []


def test_a_cursor_stuck_on_remembered_other_brands_rows_recovers(tmp_path, monkeypatch):
    # A cursor saved before the fix: its retry list full of rows naming no configured brand, the run stopped.
    monkeypatch.setattr(import_file, "RETRY_KEPT", 3)
    path = tmp_path / "agency.jsonl"
    path.write_text("".join(_row(f"r{i}", f"Rival {i}", brands=["Rival"]) for i in range(4))
                    + _row("a1", "Acme one", brands=["Acme"]))
    head = path.read_bytes()
    read_as = ImportExtractor({"path": str(path)})._read_as(path)
    stuck = {"line": 3, "file": import_file._digest(head), "bytes": len(head), "read_as": read_as,
             "retry": [[1, 1], [2, 2], [3, 3]], "good": False}
    store = SqliteStore(tmp_path / "g.db")
    try:
        store.set_state("cursor:import:Acme", json.dumps(stuck))
    finally:
        store.close()
    code, summary, stored = _ingest(tmp_path, path)
    assert code == 0, summary
    assert stored == {"a1"} and summary["skipped"] == 1  # line 4, new; lines 1-3 were reported by that run
    assert _cursor(tmp_path)["retry"] == [] and _cursor(tmp_path)["line"] == 5


def test_a_post_quoted_over_two_lines_with_a_rows_worth_of_commas_imports_whole(tmp_path):
    # The second line has as many commas as a whole row: it was taken for a row a stray quote had swallowed.
    path = tmp_path / "p.csv"
    text = "Acme great phone\nbattery, screen, camera all fine"
    path.write_text(f'id,created_at,text\nimport:1,2024-01-01T00:00:00Z,"{text}"\n'
                    "import:2,2024-01-02T00:00:00Z,Acme two\n")
    code, summary, stored = _ingest(tmp_path, path)
    assert code == 0 and summary["skipped"] == 0, summary
    assert _texts(tmp_path) == {"1": text, "2": "Acme two"}


def test_a_post_quoted_over_two_lines_mid_row_imports_whole(tmp_path):
    # Its first line (`1,"Acme hello, world`) has the header's three fields once its quote reads as text.
    path = tmp_path / "p.csv"
    text = "Acme hello, world\nsecond line, really"
    path.write_text(f'native_id,text,created_at\n1,"{text}",2024-01-01T00:00:00Z\n2,Acme two,2024-01-02T00:00:00Z\n')
    code, summary, stored = _ingest(tmp_path, path)
    assert code == 0 and summary["skipped"] == 0, summary
    assert _texts(tmp_path) == {"1": text, "2": "Acme two"}
