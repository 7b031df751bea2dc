"""Hostile import files, found by a review: each bad row is skipped with its reason and counted, nothing around it
is lost, and nothing it holds is stored (extractors/import_file.py, extractors/plausible.py, extractors/textfile.py).
Through the real `groundswell ingest` and a real SQLite store."""

from __future__ import annotations

import json
import tracemalloc
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

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
    # Remembered like any skipped row: read again quietly, never doubled, never reported twice.
    code, again, stored = _ingest(tmp_path, path)
    assert code == 0 and again["skipped"] == 0 and again["created"] == 0 and stored == {"ok"}


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
