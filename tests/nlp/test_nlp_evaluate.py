import numpy as np

from nlp.evaluate import decide, eval_splits, scores


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
