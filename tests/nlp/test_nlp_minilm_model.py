"""The MiniLM sentiment model (nlp/models/minilm, `sentiment_model: minilm`) on top of the real MiniLM encoder."""

import pytest
from sentiment_support import assert_batch_size_changes_nothing, assert_gold_labels

from nlp.model_files import MINILM_MODEL_DIR, load_default_weights

POSTS = {
    "positive": ["I absolutely love this phone, best purchase ever! 😍", "카메라 색감 정말 좋아요 최고",
                 "这个手机真好用，强烈推荐", "Отличный телефон, всем советую",
                 "Adoro questo telefono, è perfetto!"],
    "negative": ["Worst customer service ever, still no refund. Never again 😡",
                 "배터리가 너무 빨리 닳아서 정말 실망했어요", "电池起火了，太可怕了",
                 "Батарея садится за два часа, ужас", "Che schifo, il telefono si è rotto dopo un giorno"],
    "neutral": ["Does anyone know when the Acme store opens?", "Новый телефон выйдет в сентябре",
                "新款手机将于下月发布"],
}


def test_shipped_files_are_small():
    assert sum(p.stat().st_size for p in MINILM_MODEL_DIR.iterdir()) <= 25 * 1024 * 1024
    manifest, weights = load_default_weights(MINILM_MODEL_DIR)
    assert manifest["labels"] == ["negative", "neutral", "positive"]
    assert weights["stack_coef"].shape[0] == 3


@pytest.mark.model
def test_clear_posts_in_five_languages(minilm_model):
    assert_gold_labels(minilm_model, POSTS)


@pytest.mark.model
def test_batch_size_and_given_langs_do_not_change_results(minilm_model):
    texts = [t for label in POSTS for t in POSTS[label]] * 3
    a = assert_batch_size_changes_nothing(minilm_model, texts)
    langs = ["en", "ko", "zh", "ru", "it", "en", "ko", "zh", "ru", "it", "en", "ru", "zh"] * 3
    assert [p.label for p in minilm_model.predict(texts, langs)] == [p.label for p in a]


@pytest.mark.model
def test_input_checks(minilm_model):
    assert minilm_model.predict([]) == []
    with pytest.raises(ValueError, match="2 texts but 1 langs"):
        minilm_model.predict(["a", "b"], ["en"])
    assert minilm_model.predict([""])[0].label in {"negative", "neutral", "positive"}


def test_english_head_is_shipped_and_stacker_reads_it():
    from nlp.lexicon import LEXICON_WIDTH
    from nlp.model_files import ENGLISH_WIDTH, LANG_GROUPS

    manifest, weights = load_default_weights(MINILM_MODEL_DIR)
    assert weights["en_coef"].shape == weights["emb_coef"].shape == (3, 768)
    assert weights["en_intercept"].shape == (3,)
    width = 3 + 3 + ENGLISH_WIDTH + LEXICON_WIDTH + 1
    assert weights["stack_coef"].shape == (3, width * len(LANG_GROUPS))
    # The English block of the "en" weights is used; other languages' copies of it never see non-zero input.
    en = LANG_GROUPS.index("en")
    assert abs(weights["stack_coef"][:, en * width + 6 : en * width + 13]).max() > 0.05


def test_word_list_weights_are_shipped_for_the_languages_with_lists():
    from nlp.lexicon import LEXICON_LANGS, LEXICON_WIDTH
    from nlp.model_files import ENGLISH_WIDTH, LANG_GROUPS

    manifest, weights = load_default_weights(MINILM_MODEL_DIR)
    assert manifest["lexicons"]["langs"] == list(LEXICON_LANGS)
    width = 3 + 3 + ENGLISH_WIDTH + LEXICON_WIDTH + 1
    block = slice(13, 13 + LEXICON_WIDTH)
    for lang in LANG_GROUPS:
        g = LANG_GROUPS.index(lang)
        used = abs(weights["stack_coef"][:, g * width : (g + 1) * width][:, block]).max()
        # Languages with a list learnt to read it; for the rest the block was always zero (L2 keeps it at 0).
        assert (used > 0.05) if lang in LEXICON_LANGS else (used < 1e-6), lang


@pytest.mark.model
def test_english_head_and_vader_only_for_english_rows(minilm_model):
    import numpy as np

    from nlp.features import vader_scores
    from nlp.model_files import english_block, lexicon_features, softmax, stack_features
    from nlp.normalize import normalize

    english = ["I love this phone, it is great!", "Worst support ever, so sad :(", "ok"]
    italian = ["Adoro questo telefono, è fantastico!", "Assistenza pessima, che delusione :(", "ok"]
    texts = [normalize(t) for t in english + italian + english]
    langs = ["en"] * 3 + ["it"] * 3 + [None] * 3
    lp_emb, lp_ng, lp_en = minilm_model.base_log_probs(texts)
    block = english_block(lp_en, texts, langs)
    assert np.allclose(block[:3, :3], lp_en[:3]) and np.allclose(block[:3, 3:], vader_scores(texts[:3]))
    assert np.abs(block[:3, 3]).max() > 0.5  # VADER's compound is strong on the first two
    assert not block[3:].any()  # it and unknown ("other") rows: zeros

    probs = minilm_model.combine(lp_emb, lp_ng, lp_en, texts, langs)
    w = minilm_model.w
    lexicon = lexicon_features(texts, langs)
    assert lexicon[3:6].any() and not lexicon[:3].any() and not lexicon[6:].any()  # only the "it" rows
    x_zeroed = stack_features(lp_emb, lp_ng, np.zeros_like(block), lexicon, langs)
    zeroed = softmax(x_zeroed @ w["stack_coef"].T + w["stack_intercept"])
    assert np.allclose(probs[3:], zeroed[3:])  # non-English rows: unaffected by the English parts
    assert np.abs(probs[:3] - zeroed[:3]).max() > 0.05  # English rows: the English head + VADER move them
    # predict() takes the same path end to end.
    preds = minilm_model.predict(texts[:6], langs[:6])
    assert [p.probs["positive"] for p in preds] == pytest.approx(list(probs[:6, 2]), abs=1e-3)
    assert [p.label for p in preds[:2]] == ["positive", "negative"]


@pytest.mark.model
def test_word_lists_move_only_rows_of_their_languages(minilm_model):
    import numpy as np

    from nlp.model_files import english_block, lexicon_features, softmax, stack_features
    from nlp.normalize import normalize

    texts = [normalize(t) for t in ["Che schifo, servizio pessimo e orribile", "Prodotto fantastico, lo adoro",
                                    "Qué horrible, pésimo servicio", "Che schifo, servizio pessimo e orribile"]]
    langs = ["it", "it", "es", "ru"]
    lp_emb, lp_ng, lp_en = minilm_model.base_log_probs(texts)
    lexicon = lexicon_features(texts, langs)
    assert lexicon[0, 0] < -0.5 and lexicon[1, 0] > 0.5 and lexicon[2, 0] < -0.5  # compound: the lists' verdict
    assert not lexicon[3].any()  # ru has no list
    probs = minilm_model.combine(lp_emb, lp_ng, lp_en, texts, langs)
    english = english_block(lp_en, texts, langs)
    w = minilm_model.w
    without = softmax(stack_features(lp_emb, lp_ng, english, np.zeros_like(lexicon), langs) @ w["stack_coef"].T
                      + w["stack_intercept"])
    assert np.abs(probs[:3] - without[:3]).max() > 0.02
    assert np.allclose(probs[3], without[3])
    assert probs[0, 0] > without[0, 0] and probs[1, 2] > without[1, 2]  # they push towards the lists' verdict


def test_old_format_model_file_is_refused(tmp_path):
    import json
    import shutil

    from nlp.sentiment import MiniLMSentimentModel

    old = tmp_path / "old"
    shutil.copytree(MINILM_MODEL_DIR, old)
    manifest = json.loads((old / "model.json").read_text(encoding="utf-8"))
    manifest["format"] = 1
    (old / "model.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ValueError, match=r"format 1 is not the format 3 .*make train-sentiment-minilm"):
        MiniLMSentimentModel(model_dir=old)


def test_model_refuses_word_lists_that_changed_since_training(tmp_path, monkeypatch):
    import json
    import shutil

    from nlp.sentiment import MiniLMSentimentModel

    old = tmp_path / "model"
    shutil.copytree(MINILM_MODEL_DIR, old)
    manifest = json.loads((old / "model.json").read_text(encoding="utf-8"))
    manifest["lexicons"]["sha256"] = "0" * 64
    (old / "model.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"other word lists .*make lexicons.*make train-sentiment-minilm"):
        MiniLMSentimentModel(model_dir=old)


def test_missing_vader_says_how_to_install(monkeypatch):
    import sys

    import nlp.features as features

    features._vader.cache_clear()
    monkeypatch.setitem(sys.modules, "vaderSentiment.vaderSentiment", None)
    try:
        with pytest.raises(RuntimeError, match="pip install vaderSentiment"):
            features.vader_scores(["good"])
    finally:
        features._vader.cache_clear()
