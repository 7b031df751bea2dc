"""The production profile: any Hugging Face sequence-classification checkpoint, loaded by path."""

import pytest

from nlp.sentiment import load_sentiment_model, map_labels

pytestmark = pytest.mark.model

TEXTS = ["I love it", "terrible support, never again", "배터리 문제", "还可以", "Это нормально", ""]


def test_three_label_checkpoint_maps_labels_and_predicts(tiny_checkpoint):
    model = load_sentiment_model(str(tiny_checkpoint), uncertain_below=0.9)
    assert model.name == str(tiny_checkpoint)
    assert model.index_to_label == {0: "negative", 1: "neutral", 2: "positive"}
    preds = model.predict(TEXTS)
    assert len(preds) == len(TEXTS)
    for text, p in zip(TEXTS, preds, strict=True):
        assert set(p.probs) == {"negative", "neutral", "positive"}
        assert sum(p.probs.values()) == pytest.approx(1.0, abs=1e-3)
        assert p.label == max(p.probs, key=p.probs.get)
        if not text.strip():  # nothing to read: neutral by rule (nlp/sentiment_base.py), not the model's guess
            assert p.label == "neutral" and not p.uncertain
            continue
        # A random tiny model is never 90% sure of anything.
        assert p.uncertain


def test_batching_and_length_bucketing_keep_order(tiny_checkpoint):
    model = load_sentiment_model(str(tiny_checkpoint))
    texts = [f"{'very ' * (i % 7)}good thing number {i}" for i in range(50)]
    one_by_one = [model.predict([t])[0] for t in texts]
    batched = model.predict(texts, batch_size=8)
    for a, b in zip(one_by_one, batched, strict=True):
        assert a.label == b.label
        for label in a.probs:
            assert a.probs[label] == pytest.approx(b.probs[label], abs=2e-3)


def test_binary_checkpoint_gives_zero_neutral(make_tiny_checkpoint):
    model = load_sentiment_model(str(make_tiny_checkpoint({0: "negative", 1: "positive"})))
    preds = model.predict(["ok", "bad"])
    assert all(p.probs["neutral"] == 0.0 and p.label != "neutral" for p in preds)


def test_unmappable_labels_give_a_clear_error(make_tiny_checkpoint):
    path = make_tiny_checkpoint({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    with pytest.raises(ValueError, match=r"cannot map label\(s\) 0: 'LABEL_0'.*id2label"):
        load_sentiment_model(str(path))


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    # One line naming the setting and what to do (nlp/model_source.py, the rule `config check` uses too).
    with pytest.raises(ValueError, match=r"nlp\.sentiment_model: .* is a local path that does not exist"):
        load_sentiment_model(str(tmp_path / "nothing-here"))


def test_label_aliases():
    assert map_labels({0: "Negative", 1: "NEUTRAL", 2: "pos"}) == {0: "negative", 1: "neutral", 2: "positive"}
    with pytest.raises(ValueError, match="lack negative"):
        map_labels({0: "neutral", 1: "positive"})
