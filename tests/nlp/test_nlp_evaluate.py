import numpy as np
import pytest

from tools.sentiment.evaluate import decide, eval_splits, scores


def test_binary_sets_compare_positive_with_negative_only():
    probs = np.array([[0.3, 0.5, 0.2], [0.1, 0.6, 0.3], [0.9, 0.05, 0.05]])
    assert decide(probs, binary=True) == ["negative", "positive", "negative"]
    assert decide(probs, binary=False) == ["neutral", "neutral", "negative"]


def test_scores_macro_recall_f1_and_confusion():
    gold = ["negative", "negative", "neutral", "positive"]
    pred = ["negative", "neutral", "neutral", "negative"]
    s = scores(gold, pred, ["negative", "neutral", "positive"])
    assert s["macro_recall"] == 50.0  # (1/2 + 1 + 0) / 3
    assert s["confusion"] == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    assert s["accuracy"] == 50.0


def test_dev_sample_is_seeded_and_capped(sentiment_data):
    a, b = eval_splits("dev", 50), eval_splits("dev", 50)
    assert [s.texts for s in a] == [s.texts for s in b]
    assert all(len(s.texts) == 50 for s in a)


def test_calibration_measures_the_gap_and_the_uncertain_flag():
    import numpy as np

    from tools.sentiment.evaluate import calibration

    gold = ["negative", "neutral", "positive", "positive"]
    # Confident and right twice, unsure and wrong once, unsure and right once.
    probs = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.4, 0.35, 0.25], [0.3, 0.3, 0.4]])
    c = calibration(gold, probs)
    assert c["n"] == 4 and c["uncertain_share"] == 50.0
    assert (c["accuracy_uncertain"], c["accuracy_confident"]) == (50.0, 100.0)
    # Bins: 0.9 (right), 0.8 (right), 0.4 (wrong), 0.4 (right) -> |1-.9|/4 + |1-.8|/4 + |.5-.4|*2/4
    assert c["ece"] == round(100 * (0.1 / 4 + 0.2 / 4 + 0.1 * 2 / 4), 2)
    assert sum(b["n"] for b in c["reliability"]) == 4
    perfect = calibration(["negative"], np.array([[1.0, 0.0, 0.0]]))
    assert perfect["ece"] == 0.0 and perfect["brier"] == 0.0


def test_margin_interval_holds_the_margin_and_shrinks_with_more_rows():
    from sklearn.metrics import f1_score

    from tools.sentiment.evaluate import macro_f1_margin

    labels = ["negative", "neutral", "positive"]
    rng = np.random.default_rng(3)
    gold = [labels[i] for i in rng.integers(0, 3, 300)]
    good = [g if rng.random() < 0.8 else labels[rng.integers(0, 3)] for g in gold]
    weak = [g if rng.random() < 0.5 else labels[rng.integers(0, 3)] for g in gold]
    m = macro_f1_margin(gold, good, weak, labels, resamples=500)
    want = 100 * (f1_score(gold, good, average="macro") - f1_score(gold, weak, average="macro"))
    assert m["margin"] == round(want, 2)
    assert 0 < m["ci95"][0] < m["margin"] < m["ci95"][1]
    same = macro_f1_margin(gold, good, good, labels, resamples=200)
    assert same == {"margin": 0.0, "ci95": [0.0, 0.0], "resamples": 200}
    wide = macro_f1_margin(gold[:60], good[:60], weak[:60], labels, resamples=500)
    assert wide["ci95"][1] - wide["ci95"][0] > m["ci95"][1] - m["ci95"][0]


@pytest.mark.model
def test_a_candidate_model_folder_is_scored_into_its_own_folder_and_a_broken_one_refused(sentiment_data, tmp_path):
    """--model-dir scores a calibrate_e5 output before it ships, and never overwrites docs/sentiment-eval.json."""
    import json
    import shutil

    from click.testing import CliRunner

    from nlp.e5_sentiment import E5_MODEL_DIR
    from tools.sentiment.evaluate import DEFAULT_OUT, main

    shipped_report = DEFAULT_OUT.read_bytes()
    candidate = tmp_path / "candidate"
    shutil.copytree(E5_MODEL_DIR, candidate)
    result = CliRunner().invoke(main, ["--model-dir", str(candidate), "--max-rows", "5"])
    assert result.exit_code == 0, result.output
    report = json.loads((candidate / "sentiment-eval.json").read_text(encoding="utf-8"))
    assert report["model_dir"] == str(candidate)
    assert all(s["n"] == 5 for s in report["splits"].values()) and len(report["splits"]) >= 13
    assert DEFAULT_OUT.read_bytes() == shipped_report

    (candidate / "weights.safetensors").write_bytes(b"not safetensors")
    broken = CliRunner().invoke(main, ["--model-dir", str(candidate), "--max-rows", "5"])
    assert broken.exit_code == 1 and "Error" in broken.output and "Traceback" not in broken.output
    other = CliRunner().invoke(main, ["--model", "minilm", "--model-dir", str(candidate), "--max-rows", "5"])
    assert other.exit_code == 1 and "candidate of the default model" in other.output
