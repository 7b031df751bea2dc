"""`groundswell sentiment score` then `groundswell alerts backtest` on its output: the backtest's own message tells
users to tag a file with `sentiment score`, whose lines carry the label as a string (with `probs`, `uncertain`
beside it); every such line used to be skipped as invalid."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from groundswell.alerts_cli import alerts
from groundswell.sentiment_cli import sentiment


def _untagged(tmp_path: Path) -> Path:
    path = tmp_path / "untagged.jsonl"
    rows = [
        {"source": "x", "native_id": str(i), "created_at": f"2026-01-05T{10 + i:02d}:00:00Z", "brand": "Acme",
         "author": {"handle": f"u{i}"}, "text": text, "lang": "en"}
        for i, text in enumerate(["Acme is great, I love it", "Acme broke after a day, awful", "Acme opens at 9"])
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_backtest_loads_every_line_sentiment_score_wrote(tmp_path: Path):
    scored = tmp_path / "scored.jsonl"
    result = CliRunner().invoke(sentiment, ["score", str(_untagged(tmp_path)), str(scored), "--no-progress"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in scored.read_text(encoding="utf-8").splitlines()]
    assert all(isinstance(r["sentiment"], str) for r in lines)  # the shape the backtest must take

    result = CliRunner().invoke(alerts, ["backtest", "--input", str(scored)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])["summary"]
    assert (summary["lines"], summary["loaded"]) == (3, 3), summary
    assert summary["skipped"]["invalid"] == 0, summary
