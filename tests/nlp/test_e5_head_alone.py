"""`nlp.sentiment_combine: head`: the default model's e5 head without its stacker, at its own temperature."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from nlp.config import NlpConfig
from nlp.e5_sentiment import E5_MODEL_DIR, E5_MODEL_NAME, read_manifest
from nlp.model_files import LABELS, softmax
from nlp.normalize import normalize
from tools.sentiment.parts import part_probs

TEXTS = ["Lumora Pulse 충전하다가 너무 뜨거워져서 화상 입었어요. 배터리가 부풀었어요! 😭",
         "警告：Lumora Pulse 电池过热，充电时冒烟了", "Love the new camera, best phone I have had",
         "The store opens at 9 on Monday", "   "]


def test_the_shipped_model_carries_the_heads_temperature():
    entry = read_manifest(E5_MODEL_DIR)["head_alone"]
    assert 0.2 < entry["temperature"] < 5
    cv = entry["confidence_cv"]
    assert cv["rows"] > 1000 and cv["accuracy_confident"] > cv["accuracy_uncertain"]


@pytest.mark.model
def test_head_alone_is_the_heads_labels_at_its_temperature(default_model):
    from nlp.sentiment import load_sentiment_model

    head = load_sentiment_model("default", combine="head")
    assert head.name == f"{E5_MODEL_NAME}/head" and default_model.name == E5_MODEL_NAME
    got = head.predict(TEXTS, ["ko", "zh", "en", "en", None])
    t = read_manifest(E5_MODEL_DIR)["head_alone"]["temperature"]
    logits = np.asarray(default_model.logits([normalize(x) for x in TEXTS[:4]]))
    want = softmax(logits / t)
    for p, row in zip(got[:4], want, strict=True):
        assert [round(p.probs[lab], 4) for lab in LABELS] == pytest.approx(list(row), abs=2e-4)
    assert got[4].label == "neutral"  # nothing to read stays neutral by rule
    # Its labels are the head's own (part_probs reads the same head without any temperature).
    parts = part_probs(default_model, TEXTS)["e5_head_alone"]
    assert [p.label for p in got] == [LABELS[int(i)] for i in parts.argmax(1)]


@pytest.mark.model
def test_a_model_without_the_temperature_and_other_models_are_refused(tmp_path):
    from nlp.sentiment import load_sentiment_model

    old = tmp_path / "old"
    shutil.copytree(E5_MODEL_DIR, old)
    manifest = json.loads((old / "model.json").read_text(encoding="utf-8"))
    del manifest["head_alone"]
    (old / "model.json").write_text(json.dumps(manifest), encoding="utf-8")
    load_sentiment_model("default", model_dir=old)  # as shipped it still loads
    with pytest.raises(ValueError, match=r"no head_alone temperature.*tools\.sentiment\.head_alone"):
        load_sentiment_model("default", model_dir=old, combine="head")
    with pytest.raises(ValueError, match="option of the default model only"):
        load_sentiment_model("minilm", combine="head")
    with pytest.raises(ValueError, match="combine must be one of"):
        load_sentiment_model("default", combine="median")


def test_the_config_takes_it_for_the_default_model_only():
    assert NlpConfig().sentiment_combine == "shipped"
    assert NlpConfig(sentiment_combine="head").sentiment_combine == "head"
    with pytest.raises(ValueError, match="option of the default model only"):
        NlpConfig(sentiment_model="minilm", sentiment_combine="head")
    with pytest.raises(ValueError):
        NlpConfig(sentiment_combine="stacker-ish")


def test_the_entry_calibrate_e5_writes_recovers_an_overconfident_heads_temperature():
    """Logits twice as sharp as the labels they were drawn from: the fitted temperature is about 2."""
    from tools.sentiment.calibrate_e5 import head_alone_entry

    rng = np.random.default_rng(0)
    true = rng.normal(scale=1.5, size=(6000, 3))
    y = np.array([rng.choice(3, p=p) for p in softmax(true)])
    binary = np.zeros(len(y), dtype=bool)
    entry = head_alone_entry(2 * true, y, binary, softmax(true))
    assert 1.8 < entry["temperature"] < 2.2
    assert entry["confidence_cv"]["rows"] == len(y)
