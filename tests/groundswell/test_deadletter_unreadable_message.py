"""A dead-letter line no mention can be read from is no retry's job: `ingest` and `run` say a person must fix it,
naming the file and the line, apart from the mentions that do wait for a retry; the exit code stays 5 (README
"Exit codes", docs/airflow.md "Partial failures"). Real SQLite store, real CLI, a real cut-short file."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from groundswell.cli import EXIT_UNSTORED, cli
from groundswell.deadletter import DeadLetter


def setup(tmp_path, parked: bytes) -> tuple[str, str]:
    """A config collecting nothing new, and its dead-letter file holding `parked`."""
    (tmp_path / "in.jsonl").write_text("")
    (tmp_path / "g.yaml").write_text(json.dumps({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "g.db")},
        "report": {"path": str(tmp_path / "report.html")},
    }))
    (tmp_path / "deadletter.jsonl").write_bytes(parked)
    return str(tmp_path / "g.yaml"), str(tmp_path / "deadletter.jsonl")


def mention(native_id: str) -> bytes:
    return json.dumps({"source": "x", "native_id": native_id, "text": f"Lumora {native_id}",
                       "created_at": "2026-11-01T10:00:00Z"}).encode() + b"\n"


def test_a_cut_short_line_is_said_to_need_a_person_with_its_file_and_line(tmp_path):
    config, path = setup(tmp_path, mention("1") + mention("2")[:40] + b"\n")
    for command in (["ingest"], ["run", "--no-report"]):
        result = CliRunner().invoke(cli, [*command, "-c", config, "--no-progress"])
        assert result.exit_code == EXIT_UNSTORED, result.output
        assert json.loads(result.stdout.splitlines()[-1])["deadletter"] == 1
        assert "the next run retries them" not in result.stderr  # the one mention that could be was stored
        assert (f"1 line(s) of the dead-letter file {path} cannot be read as a mention (line 1; the log says why): "
                "a retry cannot fix them. A person must repair each") in result.stderr
        assert "docs/airflow.md" in result.stderr


def test_the_lines_are_numbered_as_an_editor_counts_them(tmp_path):
    _, path = setup(tmp_path, mention("1") + b"not json\n\n" + mention("2") + b"{\n")
    assert DeadLetter(Path(path)).unreadable_lines() == [2, 5]  # the blank line 3 counts, as in an editor
    assert DeadLetter(tmp_path / "none.jsonl").unreadable_lines() == []
