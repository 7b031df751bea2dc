"""Quarterly report files are Groundswell's own like the weekly and monthly ones (dquarter finding 4):
`digest --period quarter` writes `reports/quarter-<YYYY>-Q<q>.md|.html|.json`, so retention deletes them once the
quarter ended before the cutoff, a `jsonl` channel's record of a sent quarterly report expires, and
`subject forget` reads them (`groundswell.subject_files.places_of`). Real files, real config."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from groundswell.config import parse_config
from groundswell.period_files import period_end, prune_period_files, report_folder, sent_report_expired
from groundswell.subject_files import places_of


def _config(tmp_path: Path):
    return parse_config({"brands": [{"name": "Lumora", "query": "lumora"}],
                         "report": {"path": str(tmp_path / "out" / "report.html")}})


def _write(folder: Path, stems: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stem in stems:
        for suffix in (".md", ".html", ".json"):
            (folder / f"{stem}{suffix}").write_text("Hans Mueller (@hans_m)")


def test_quarter_names_end_when_the_quarter_ends():
    assert period_end("quarter-2014-Q4") == date(2015, 1, 1)
    assert period_end("quarter:2026-Q2") == date(2026, 7, 1)
    assert period_end("quarter-2026-Q5") is None


def test_retention_deletes_ended_quarters_and_keeps_the_rest(tmp_path):
    config = _config(tmp_path)
    folder = report_folder(config)
    _write(folder, ["quarter-2026-Q2", "quarter-2026-Q3", "quarter-notes"])
    out = prune_period_files(config, datetime(2026, 7, 2, tzinfo=UTC))  # Q2 ended 1 Jul, Q3 has not
    assert out.reports == 3 and not out.errors
    assert sorted(p.name for p in folder.iterdir()) == [
        "quarter-2026-Q3.html", "quarter-2026-Q3.json", "quarter-2026-Q3.md",
        "quarter-notes.html", "quarter-notes.json", "quarter-notes.md",
    ]


def test_a_sent_quarterly_report_record_expires():
    record = {"report": {"period": "quarter:2026-Q2", "timezone": "UTC"}}
    assert sent_report_expired(record, datetime(2026, 7, 2, tzinfo=UTC), "UTC")
    assert not sent_report_expired(record, datetime(2026, 6, 30, tzinfo=UTC), "UTC")


def test_subject_forget_reads_quarterly_reports(tmp_path):
    config = _config(tmp_path)
    _write(report_folder(config), ["quarter-2014-Q4", "quarter-notes"])
    assert sorted(p.name for p in places_of(config).report_files) == [
        "quarter-2014-Q4.html", "quarter-2014-Q4.json", "quarter-2014-Q4.md"]
