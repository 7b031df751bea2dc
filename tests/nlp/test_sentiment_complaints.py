"""Real complaints read by the sentiment model (tools/sentiment/complaints.py): the rows it reads from the
public intent sets, its counting, its bootstrap, its refusals, and the model card carrying its tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import shared_path
from tools.sentiment.complaints import Row, by_group, load_rows, main, markdown, negative_share_difference, report

ROOT = Path(__file__).resolve().parents[2]


def test_the_public_test_rows_are_read_as_the_shared_readme_counts_them():
    rows = load_rows(shared_path("data", "intents"), "test")
    twitter = [r for r in rows if r.group == "complaints_twitter_en"]
    # complaints_twitter_en test: 185 complaints and 331 not, of which the random_* domains are general tweets.
    assert sum(r.kind == "complaint" for r in twitter) == 185 and len(twitter) == 516
    source = [json.loads(line) for line in
              (shared_path("data", "intents") / "complaints_twitter_en" / "test.jsonl").read_text().splitlines()]
    assert sum(r.kind == "random_tweet" for r in twitter) == sum(s["domain"].startswith("random_") for s in source)
    ijcnlp = [r for r in rows if r.group != "complaints_twitter_en"]
    assert {r.lang for r in ijcnlp} == {"en", "es", "fr", "ja"}
    assert {r.kind for r in ijcnlp} == {"complaint", "comment", "request", "meaningless"}  # no undetermined, no mix
    raw = [json.loads(line) for line in
           (shared_path("data", "intents") / "ijcnlp2017_customer_feedback" / "test.jsonl").read_text().splitlines()]
    assert sum(r.kind == "complaint" for r in ijcnlp) == sum(s["intent"] == "complaint" for s in raw)
    assert sum(r.kind == "comment" for r in ijcnlp) == sum(s["label"] == "comment" for s in raw)


def test_shares_are_counted_per_group_kind_and_language():
    rows = [Row("a", "en", "g1", "complaint"), Row("b", "en", "g2", "complaint"), Row("c", "fr", "g2", "complaint"),
            Row("d", "en", "g1", "comment")]
    out = by_group(rows, ["negative", "neutral", "negative", "negative"])
    assert out["groups"]["g1"]["complaint"] == {"rows": 1, "negative": 100.0, "neutral": 0.0, "positive": 0.0}
    assert out["groups"]["g1"]["comment"]["negative"] == 100.0
    assert out["complaints_by_language"]["en"] == {"rows": 2, "negative": 50.0, "neutral": 50.0, "positive": 0.0}
    assert out["complaints_by_language"]["fr"]["rows"] == 1
    assert out["complaints"] == {"rows": 3, "negative": 66.7, "neutral": 33.3, "positive": 0.0}


def test_the_bootstrap_is_zero_for_the_same_labels_and_brackets_a_real_difference():
    same = negative_share_difference(["negative", "neutral"] * 50, ["negative", "neutral"] * 50)
    assert same["margin"] == 0.0 and same["ci95"] == [0.0, 0.0]
    # 30 of 100 rows negative only for the first labelling: +30 points, interval around it and above zero.
    a = ["negative"] * 60 + ["neutral"] * 40
    b = ["negative"] * 30 + ["neutral"] * 70
    d = negative_share_difference(a, b)
    assert d["margin"] == 30.0 and 0 < d["ci95"][0] < 30.0 < d["ci95"][1]
    with pytest.raises(ValueError, match="same, non-empty rows"):
        negative_share_difference(["negative"], [])


def test_report_sets_the_stacker_against_its_head_on_complaints_only():
    rows = [Row("a", "en", "g", "complaint"), Row("b", "en", "g", "complaint"), Row("c", "en", "g", "comment")]
    out = report(rows, ["negative", "negative", "negative"],
                 {"e5_head_alone": ["negative", "neutral", "neutral"], "ngram_alone": ["neutral"] * 3})
    assert out["complaints_negative_stacker_minus_head"]["en"]["margin"] == 50.0  # the comment row does not count
    assert out["parts"]["e5_head_alone"]["complaints_by_language"]["en"]["negative"] == 50.0


def test_a_damaged_row_or_missing_data_is_one_clear_message(tmp_path):
    for name in ("complaints_twitter_en", "ijcnlp2017_customer_feedback"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "test.jsonl").write_text('{"text": "ok", "lang": "en", "intent": "complaint"}\n',
                                                     encoding="utf-8")
    damaged = tmp_path / "ijcnlp2017_customer_feedback" / "test.jsonl"
    damaged.write_text('{"text": "ok"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"test.jsonl:1: not a row of the public intent sets"):
        load_rows(tmp_path, "test")
    result = CliRunner().invoke(main, ["--data", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "is absent" in result.output and "Traceback" not in result.output


def test_the_model_card_carries_the_committed_report():
    result = json.loads((ROOT / "docs" / "sentiment-complaints.json").read_text(encoding="utf-8"))
    assert result["model"] == "groundswell-e5-sentiment" and result["split"] == "test"
    card = (ROOT / "docs" / "model-card.md").read_text(encoding="utf-8")
    assert markdown(result) in card


@pytest.mark.model
def test_the_shipped_model_reads_the_dev_rows_and_reports_its_parts(tmp_path):
    out = tmp_path / "complaints.json"
    result = CliRunner().invoke(main, ["--data", str(shared_path("data", "intents")), "--split", "dev",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    report_ = json.loads(out.read_text(encoding="utf-8"))
    rows = load_rows(shared_path("data", "intents"), "dev")
    assert report_["rows"] == len(rows)
    complaints = sum(r.kind == "complaint" for r in rows)
    assert sum(s["rows"] for s in report_["complaints_by_language"].values()) == complaints
    assert set(report_["parts"]) == {"e5_head_alone", "ngram_alone"}
    assert set(report_["complaints_negative_stacker_minus_head"]) == {"en", "es", "fr", "ja"}
    # What a crisis alert needs: real complaints read negative far more often than the praise beside them.
    comment_en = report_["groups"]["ijcnlp2017_customer_feedback en"]["comment"]
    assert report_["complaints_by_language"]["en"]["negative"] > 50 > 20 > comment_en["negative"]
