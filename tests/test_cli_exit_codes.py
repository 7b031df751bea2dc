"""Exit codes a scheduler can act on (README, "Exit codes"): a busy store has its own code on every command that
meets one, and a detection failure (1) is not hidden behind a failure the next run retries by itself."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from groundswell import pipeline
from groundswell.cli import cli
from groundswell.exit_codes import EXIT_ERROR, EXIT_STORE_BUSY, EXIT_UNSTORED, PRECEDENCE, winning
from indexing import sqlite as sqlite_store
from indexing.sqlite import SqliteStore

POST = {"author": {"followers": 5, "handle": "ann", "id": "u-ann"}, "created_at": "2026-03-01T10:00:00Z",
        "native_id": "n1", "source": "x", "text": "acme is great", "url": "https://x.example/ann/n1"}


def _held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]):
    """Run `args` while a real second connection holds the store's write lock (a long `maintain` VACUUM, a copy)."""
    config = write_config(tmp_path)
    (tmp_path / "in.jsonl").write_text(json.dumps(POST) + "\n", encoding="utf-8")
    SqliteStore(tmp_path / "g.db").close()  # the schema, as a first run leaves it
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_S", 0.2)  # the real wait is 30 s
    holder = sqlite3.connect(tmp_path / "g.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        return CliRunner().invoke(cli, [*args, "-c", str(config)])
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize("args", [["ingest", "--no-progress"], ["run", "--no-progress", "--no-send", "--no-report"],
                                  ["maintain", "--retention-days", "30"], ["detect", "--no-send"]])
def test_a_busy_store_has_its_own_exit_code_on_every_command(tmp_path, monkeypatch, args):
    # `ingest` parked the batch and exited 5 (failed writes), the others exited 1 (as an invalid config does).
    result = _held(tmp_path, monkeypatch, args)
    assert result.exit_code == EXIT_STORE_BUSY, result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith("Error: the store is busy: another process")


def test_ingest_on_a_busy_store_parks_the_batch_and_the_next_run_stores_it(tmp_path, monkeypatch):
    busy = _held(tmp_path, monkeypatch, ["ingest", "--no-progress"])
    assert busy.exit_code == EXIT_STORE_BUSY and json.loads(busy.stdout.splitlines()[-1])["deadletter"] == 1
    again = CliRunner().invoke(cli, ["ingest", "--no-progress", "-c", str(tmp_path / "g.yaml")])
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout.splitlines()[-1])
    assert (summary["replayed"], summary["deadletter"]) == (1, 0)


def test_failed_writes_on_a_store_no_one_holds_stay_code_5():
    assert winning([EXIT_UNSTORED, 0]) == EXIT_UNSTORED and winning([]) == 0
    assert winning([EXIT_UNSTORED, EXIT_STORE_BUSY]) == EXIT_STORE_BUSY  # the parked writes are the lock's doing


def test_a_detection_failure_is_not_hidden_behind_a_source_failure(tmp_path, monkeypatch):
    # Every source failed (4) and detection failed for the brand (1): the run exited 4, the highest, and a
    # scheduler retrying 4 never learnt that the detectors fail on this data.
    config = write_config(tmp_path)
    (tmp_path / "in.jsonl").unlink()  # the import source fails: nothing collected
    real = pipeline.detect_alerts

    def detect_alerts(store, brand, *args, **kwargs):  # fault injection: no data makes the detectors raise
        if brand.name == "Acme":
            raise RuntimeError("injected failure")
        return real(store, brand, *args, **kwargs)

    monkeypatch.setattr(pipeline, "detect_alerts", detect_alerts)
    result = CliRunner().invoke(cli, ["run", "--no-progress", "--no-send", "--no-report", "-c", str(config)])
    assert result.exit_code == EXIT_ERROR, result.output
    summary = json.loads(result.stdout.splitlines()[-1])
    assert list(summary["detect_errors"]) == ["Acme"] and summary["source_errors"]  # both still reported
    assert "every source failed" in result.stderr and "alert detection failed for 1 brand(s): Acme" in result.stderr


def test_every_code_in_the_precedence_is_in_the_readme_table():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in (*PRECEDENCE, 0, 2):
        assert f"\n| {code} |" in table, code
