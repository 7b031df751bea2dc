"""The import source loses nothing to a wrong `format`, a row fixed in place, a scheduled interval or a local time.

Each test runs real files through the real pipeline (`collect` into a real SQLite store), as a team would:
a first run with the mistake, then the fix, then a run that must import what the mistake held back.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from core.errors import ConfigError
from extractors import import_file
from extractors.base import Window
from groundswell.cli import cli
from groundswell.config import parse_config
from groundswell.pipeline import CollectReport, collect
from indexing.sqlite import SqliteStore

CSV_HEADER = "source,native_id,text,created_at\n"


def _config(path, db, brands=("Lumora",), **options):
    return parse_config(
        {
            "brands": [{"name": b, "query": b} for b in brands],
            "sources": [{"type": "import", "options": {"path": str(path), **options}}],
            "store": {"type": "sqlite", "path": str(db)},
        }
    )


def _line(i: int, text: str, when: str = "2026-11-01T10:00:00Z", pad: int = 0) -> str:
    return json.dumps({"source": "x", "native_id": str(i), "text": text + " " + "x" * pad, "created_at": when}) + "\n"


def _cursor(store) -> dict:
    return json.loads(store.get_state("cursor:import:Lumora"))


def test_a_csv_read_with_the_wrong_format_is_a_source_problem_and_imported_once_fixed(tmp_path):
    # Every row was skipped, the run exited 0 and the cursor went to the end: fixed, the file was never imported.
    path, db = tmp_path / "export.csv", tmp_path / "g.db"
    path.write_text(CSV_HEADER + "".join(f"csv,{i},Lumora row {i},2026-11-01T10:00:00Z\n" for i in range(5)))
    store = SqliteStore(db)
    wrong = _config(path, db, brands=("Lumora", "Sonique"), format="jsonl")
    report = collect(wrong, store)
    assert report.collected == 0 and store.count() == 0
    assert set(report.errors) == {"import/Lumora", "import/Sonique"}
    assert "none of the 6 row(s) read could be imported" in report.errors["import/Lumora"]
    assert "`format` (jsonl)" in report.errors["import/Lumora"]
    assert report.skipped == 6  # each bad row once, not once per brand
    again = collect(wrong, store)  # still loud while nothing reads, but the rows are not logged again
    assert again.errors and again.skipped == 0
    fixed = collect(_config(path, db, brands=("Lumora", "Sonique"), format="csv"), store)
    assert fixed.errors == {} and fixed.created == 5 and store.count() == 5
    assert collect(_config(path, db, format="csv"), store).collected == 0  # then on from its cursor


def test_wrong_columns_make_the_cli_exit_with_the_source_failure_code(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("source,native_id,body,created_at\n" + "csv,1,Acme row,2026-11-01T10:00:00Z\n")
    config = tmp_path / "g.yaml"
    config.write_text(json.dumps({
        "brands": [{"name": "Acme", "query": "acme"}],
        "sources": [{"type": "import", "options": {"path": str(path)}}],
        "store": {"path": str(tmp_path / "g.db")}, "report": {"path": str(tmp_path / "report.html")},
    }))
    result = CliRunner().invoke(cli, ["ingest", "-c", str(config), "--no-progress"])
    assert result.exit_code == 4, result.output  # EXIT_ALL_FAILED: every source pass failed
    assert "none of the 1 row(s) read could be imported" in result.output and "text: Field required" in result.output


def test_changing_how_rows_read_reads_the_file_again_and_doubles_nothing(tmp_path):
    path, db = tmp_path / "export.csv", tmp_path / "g.db"
    path.write_text(CSV_HEADER + "".join(f"csv,{i},Lumora row {i},2026-11-20 10:00:00\n" for i in range(3)))
    store = SqliteStore(db)
    assert collect(_config(path, db), store).created == 3
    report = collect(_config(path, db, timezone="Europe/Paris"), store)
    # Read again, under the same ids. (A stored post keeps the time it was first stored under: `merge_stored`.)
    assert (report.collected, report.created, store.count()) == (3, 0, 3)


def test_a_row_fixed_in_place_past_the_hashed_start_is_imported_and_reported_once(tmp_path, caplog):
    path, db = tmp_path / "export.jsonl", tmp_path / "g.db"
    lines = [_line(i, f"Lumora post {i}", pad=300) for i in range(300)]
    good_290, lines[290] = lines[290], '{"source": "x", "native_id": "290", oops\n'  # past the first 64 KiB
    path.write_text("".join(lines))
    store = SqliteStore(db)
    config = _config(path, db)
    first = collect(config, store)
    assert (first.created, first.skipped, _cursor(store)["line"]) == (299, 1, 300)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        second = collect(config, store)  # the bad row is read again, quietly
    assert (second.collected, second.skipped) == (0, 0)
    assert "skipped:" not in caplog.text
    assert "1 row(s) skipped by an earlier run are still malformed (line 291)" in caplog.text
    lines[290] = good_290
    path.write_text("".join(lines))  # fixed in place: the hashed start is unchanged, the cursor goes on
    third = collect(config, store)
    assert (third.created, store.count(), _cursor(store)["retry"]) == (1, 300, [])


def test_past_the_rows_it_can_remember_the_cursor_stops_at_a_bad_row(tmp_path, monkeypatch):
    monkeypatch.setattr(import_file, "RETRY_KEPT", 3)
    path, db = tmp_path / "export.jsonl", tmp_path / "g.db"
    good = [_line(i, f"Lumora {i}") for i in range(7)]
    path.write_text(good[0] + "{bad\n" * 5 + good[6])
    store = SqliteStore(db)
    config = _config(path, db)
    report = collect(config, store)
    assert "more than 3 rows skipped as malformed" in report.errors["import/Lumora"]
    assert _cursor(store)["line"] == 4 and store.count() == 1  # lines 2-4 remembered, stopped before line 5
    path.write_text("".join(good))
    report = collect(config, store)
    assert report.errors == {} and store.count() == 7


def test_a_scheduled_run_reads_on_from_its_cursor_whatever_its_interval(tmp_path, caplog):
    # Airflow's ingest passes its 15-minute interval: a row appended late, dated earlier, was never imported.
    path, db = tmp_path / "export.jsonl", tmp_path / "g.db"
    path.write_text(_line(1, "Lumora on time", "2026-11-20T11:50:00Z") + _line(2, "Lumora late", "2026-11-19T08:00:00Z")
                    + "{bad\n")
    store = SqliteStore(db)
    config = _config(path, db)

    def scheduled(since: datetime) -> CollectReport:
        return collect(config, store, window=Window(since, since + timedelta(minutes=15)))

    first = scheduled(datetime(2026, 11, 20, 11, 45, tzinfo=UTC))
    assert (first.created, first.skipped) == (2, 1)
    with path.open("a") as handle:
        handle.write(_line(3, "Lumora later still", "2026-11-18T08:00:00Z"))
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        second = scheduled(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    assert (second.created, second.skipped, store.count()) == (1, 0, 3) and "bad" not in caplog.text
    # An explicit range (`ingest --since/--until`, the backfill DAG) still reads just that range.
    other = SqliteStore(tmp_path / "other.db")
    backfill = collect(config, other, window=Window(datetime(2026, 11, 19), datetime(2026, 11, 20)), use_cursor=False)
    assert [m.native_id for m in other.iter_mentions()] == ["2"] and backfill.skipped == 1


def test_timestamps_without_a_zone_are_read_in_the_timezone_option(tmp_path):
    path, db = tmp_path / "export.csv", tmp_path / "g.db"
    path.write_text(CSV_HEADER + "csv,1,Lumora,2026-07-01 10:00:00\ncsv,2,Lumora,2026-07-01T10:00:00+00:00\n")
    store = SqliteStore(db)
    collect(_config(path, db, timezone="America/New_York"), store)
    got = {m.native_id: m.created_at for m in store.iter_mentions()}
    assert got == {"1": datetime(2026, 7, 1, 14, 0, tzinfo=UTC), "2": datetime(2026, 7, 1, 10, 0, tzinfo=UTC)}


def test_timestamps_read_as_utc_are_counted_once_per_run(tmp_path, caplog):
    path, db = tmp_path / "export.csv", tmp_path / "g.db"
    path.write_text(CSV_HEADER + "".join(f"csv,{i},Lumora and Sonique,2026-11-20 10:00:00\n" for i in range(3)))
    store = SqliteStore(db)
    with caplog.at_level(logging.WARNING, "groundswell.extractors.import_file"):
        collect(_config(path, db, brands=("Lumora", "Sonique")), store)
    warnings = [r.getMessage() for r in caplog.records if "without a time zone" in r.getMessage()]
    assert len(warnings) == 1 and "3 timestamp(s) without a time zone read as UTC" in warnings[0]
    assert {m.created_at for m in store.iter_mentions()} == {datetime(2026, 11, 20, 10, 0, tzinfo=UTC)}


@pytest.mark.parametrize("zone", ["Mars/Olympus", "utc+2", "", "Europe", "posixrules"])
def test_an_unknown_timezone_is_a_config_error(tmp_path, zone):
    # `Europe` names a folder of zones: ZoneInfo raised IsADirectoryError, which crashed `config check`.
    with pytest.raises(ConfigError, match="is not an IANA time zone"):
        _config(tmp_path / "x.csv", tmp_path / "g.db", timezone=zone)
