"""`python -m tools.themes.labels`: theme labels on a slice of the real GOP debate stream name what sets each
theme apart, never the stream's own hashtags."""

from __future__ import annotations

import json

import pytest

from tests.conftest import shared_path
from tools.themes.labels import WEAK_LIFT, main, summarise

SLICE = 4000  # since a retweeted story is stored once, the first 1,500 tweets store only 276; 3,000 gave 9 phrases
# once a candidate's whole name was masked (2026-12-06): too few for the checks below to say much


@pytest.mark.model
def test_a_slice_of_the_real_stream(tmp_path, capsys):
    folder = shared_path("data", "streams", "gop-debate-2015")
    out = tmp_path / "labels.json"
    main(["--stream", str(folder), "--limit", str(SLICE), "--json", str(out)], standalone_mode=False)
    result = json.loads(out.read_text())
    printed = json.loads(capsys.readouterr().out)
    assert printed == {k: v for k, v in result.items() if k != "rows"}
    assert result["labels"] >= 10 and result["phrases"] >= 10
    # Before the lift floor this slice's grab-bag themes were "gopdebate · gopdebates" (lift ~1.4).
    assert result["weak_phrases"] == 0 and result["fallback_weak_words"] == 0
    # Nor the stream's hashtag in a label ("gopdebate gopdebates · fox news"), nor a word twice.
    assert result["stream_word_phrases"] == 0 and result["repeated_word_phrases"] == 0
    for row in result["rows"]:
        lifts = row["lift"] if not row["fallback"] else row["word_lift"]
        assert all(v is None or v >= WEAK_LIFT for v in lifts.values()), row
    # The summary is the rows' (recomputed, not copied).
    summary = summarise(result["rows"])
    assert {k: result[k] for k in summary} == summary


def test_a_folder_that_is_not_a_stream_is_a_clear_error(tmp_path):
    from click.testing import CliRunner

    (tmp_path / "mentions.jsonl").write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["--stream", str(tmp_path)])
    assert result.exit_code == 2 and "gold.jsonl is absent" in result.output
    assert "Traceback" not in result.output
