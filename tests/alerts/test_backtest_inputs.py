"""`alerts backtest` reads its files as the import source does, and refuses labels it cannot score."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from groundswell.alerts_cli import alerts


def _mention(native_id: str, text: str, brand: str = "Acme") -> str:
    return json.dumps({
        "source": "x", "native_id": native_id, "created_at": "2026-01-05T10:00:00Z", "brand": brand,
        "author": {"handle": f"u{native_id}"}, "text": text, "lang": "fr",
        "sentiment": {"label": "neutral", "probs": {"neutral": 0.9}, "model": "test"},
    }, ensure_ascii=False)  # fmt: skip


def _input(tmp_path: Path) -> Path:
    path = tmp_path / "m.jsonl"
    path.write_text("".join(_mention(str(i), f"Acme post {i}") + "\n" for i in range(3)), encoding="utf-8")
    return path


def _backtest(*args: str) -> Result:
    return CliRunner().invoke(alerts, ["backtest", *args])


def test_non_utf8_lines_are_read_or_counted_and_skipped(tmp_path: Path):
    # A spreadsheet's Windows-1252 line is read as the import source reads it; a line no encoding explains
    # (binary junk) is one invalid line with its number. Both stopped the backtest with a traceback.
    path = _input(tmp_path)
    with path.open("ab") as f:
        f.write(_mention("3", "Acme café crème, très bien").encode("cp1252") + b"\n")
        f.write(b"\x81\x8d\x00\x01 junk\n")
        f.write(_mention("4", "Acme post 4").encode() + b"\n")
    result = _backtest("--input", str(path))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])["summary"]
    assert (summary["lines"], summary["loaded"], summary["skipped"]["invalid"]) == (6, 5, 1)
    assert "line 5: not UTF-8 text" in result.stderr


def _incidents(tmp_path: Path, *rows: dict | bytes) -> str:
    path = tmp_path / "labels.jsonl"
    path.write_bytes(b"".join(r if isinstance(r, bytes) else json.dumps(r).encode() + b"\n" for r in rows))
    return str(path)


GOOD = {"brand": "Acme", "start": "2026-01-05T08:00:00Z", "end": "2026-01-05T12:00:00Z", "kind": "sudden"}


def _refused(result: Result, where: str, reason: str) -> None:
    assert result.exit_code == 1, result.output
    message = result.stderr.strip().splitlines()[-1]  # after any warning about the file's encoding
    assert message.startswith(f"Error: {where}: ") and reason in message, message


def test_an_undecodable_label_line_is_named_by_file_and_line(tmp_path: Path):
    labels = _incidents(tmp_path, GOOD, b"\x81\x8d\x00\x01\n")
    _refused(_backtest("--input", str(_input(tmp_path)), "--incidents", labels), f"{labels}:2", "not UTF-8 text")


def test_a_label_ending_before_it_starts_is_refused(tmp_path: Path):
    # It was scored as a crisis no alert could detect: recall fell for a typo.
    labels = _incidents(tmp_path, GOOD, {**GOOD, "end": "2026-01-05T07:00:00Z"})
    _refused(_backtest("--input", str(_input(tmp_path)), "--incidents", labels), f"{labels}:2", "is before start")


def test_labels_with_unreadable_times_are_refused(tmp_path: Path):
    for bad in ({"start": "yesterday"}, {"end": 1767600000}, {"onset": "2026-01-05T13:00:00Z"}):
        labels = _incidents(tmp_path, {**GOOD, **bad})
        _refused(_backtest("--input", str(_input(tmp_path)), "--incidents", labels), f"{labels}:1", "")


def test_a_label_for_a_brand_not_backtested_is_refused(tmp_path: Path):
    # It was dropped without a word: `crises: 0`, and a precision of 0.0 that looked like a result.
    labels = _incidents(tmp_path, GOOD, {**GOOD, "brand": "Acmee"})
    result = _backtest("--input", str(_input(tmp_path)), "--incidents", labels)
    _refused(result, f"{labels}:2", "brand 'Acmee' is not backtested; the input's brands are Acme")
    config = tmp_path / "g.yaml"
    config.write_text("brands:\n  - {name: Other, query: other}\n", encoding="utf-8")
    result = _backtest("--input", str(_input(tmp_path)), "--incidents", labels, "-c", str(config))
    _refused(result, f"{labels}:1", "brand 'Acme' is not backtested; the config's brands are Other")


def test_good_labels_are_scored(tmp_path: Path):
    labels = _incidents(tmp_path, GOOD, b"\n")
    result = _backtest("--input", str(_input(tmp_path)), "--incidents", labels)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["summary"]["score"]["crises"] == 1
