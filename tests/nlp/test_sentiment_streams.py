"""`python -m tools.sentiment.streams`: the real labelled streams read as the pipeline reads them, and scored."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import shared_path
from tools.sentiment.streams import load_stream, main


def _write_stream(folder, mentions: list[str], gold: list[str]) -> None:
    folder.mkdir(parents=True)
    (folder / "mentions.jsonl").write_text("\n".join(mentions) + "\n", encoding="utf-8")
    (folder / "gold.jsonl").write_text("\n".join(gold) + "\n", encoding="utf-8")


def _mention(native_id: str, text: str) -> str:
    return json.dumps({"source": "x", "native_id": native_id, "created_at": "2014-12-01T19:30:03Z",
                       "text": text, "lang": "en"})


def test_lines_join_gold_by_id_and_bad_lines_are_counted_not_lost(tmp_path):
    folder = tmp_path / "apple-2014"
    mentions = [_mention("1", "love it"), "{not json", _mention("2", "no label for me"),
                _mention("3", "broken again"), json.dumps({"source": "x", "text": "no native id or date"})]
    gold = [json.dumps({"id": "x:1", "sentiment": "positive"}), json.dumps({"id": "x:3", "sentiment": "negative"}),
            json.dumps({"id": "x:2", "sentiment": "not_relevant"}), "[1, 2"]
    _write_stream(folder, mentions, gold)
    rows = load_stream(folder)
    assert rows.texts == ["love it", "broken again"] and rows.gold == ["positive", "negative"]
    assert rows.langs == ["en", "en"]
    assert rows.skipped == 4  # the bad gold line, the bad JSON line, the unlabelled mention, the invalid mention
    assert any(r.startswith("gold.jsonl:4:") for r in rows.skipped_reasons)
    assert any("mentions.jsonl:2: not a valid mention" in r for r in rows.skipped_reasons)
    assert any("x:2 has no gold sentiment" in r for r in rows.skipped_reasons)
    assert load_stream(folder, limit=1).texts == ["love it"]


def test_a_missing_stream_folder_says_where_the_streams_live(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUNDSWELL_SHARED", str(tmp_path))
    result = CliRunner().invoke(main, ["--stream", "apple-2014"])
    assert result.exit_code == 1
    assert "GROUNDSWELL_SHARED" in result.output and "mentions.jsonl is absent" in result.output


@pytest.mark.model
def test_the_default_model_and_its_parts_are_scored_on_the_real_apple_stream(tmp_path, monkeypatch):
    streams = shared_path("data", "streams", "apple-2014")
    monkeypatch.setenv("GROUNDSWELL_SHARED", str(streams.parent.parent.parent))
    out = tmp_path / "streams.json"
    result = CliRunner().invoke(main, ["--stream", "apple-2014", "--limit", "200", "--out", str(out)])
    assert result.exit_code == 0, result.output
    s = json.loads(out.read_text(encoding="utf-8"))["streams"]["apple-2014"]
    assert s["rows"] == 200 and sum(map(sum, s["confusion"])) == 200
    assert sum(s["gold_counts"].values()) == 200 and min(s["gold_counts"].values()) > 0  # all three classes occur
    parts = s["parts"]
    assert set(parts) == {"e5_head_alone", "ngram_alone", "stacker_minus_head"}
    margin = parts["stacker_minus_head"]
    # The margin is the final labels' macro-F1 minus the head's, on the same rows (rounding aside).
    assert abs(margin["margin"] - (s["macro_f1"] - parts["e5_head_alone"]["macro_f1"])) < 0.02
    assert margin["ci95"][0] <= margin["margin"] <= margin["ci95"][1]
    # Real brand tweets: the model must be far from chance (33) whichever way the stacker leans.
    assert s["macro_f1"] > 50 and parts["e5_head_alone"]["macro_f1"] > 50
    assert s["calibration"]["n"] == 200


def test_alert_agreement_is_full_for_the_gold_labels_and_nil_when_nothing_reads_negative():
    """The real Apple stream through the real backtest: its gold labels raise a crisis alert; the same
    labels agree with themselves; labels that never say negative raise none and recall nothing."""
    from groundswell.config import load_config
    from tools.sentiment.stream_alerts import compare

    folder = shared_path("data", "streams", "apple-2014")
    rows = load_stream(folder)
    config = load_config(folder / "groundswell.yaml")
    same = compare(rows.mentions, rows.gold, rows.gold, [{g: 1.0} for g in rows.gold], "gold", config)
    assert same["gold_label_alerts"] >= 1, "the Apple stream's gold labels raise at least one crisis alert"
    assert same["model_label_alerts"] == same["gold_label_alerts"]
    assert same["recall"] == 1.0 and same["precision"] == 1.0
    calm = ["neutral" if g == "negative" else g for g in rows.gold]
    none = compare(rows.mentions, rows.gold, calm, [{c: 1.0} for c in calm], "calm", config)
    assert none["model_label_alerts"] == 0 and none["recall"] == 0.0
