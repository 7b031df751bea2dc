"""The shipped default model (nlp/models/default) on top of the real MiniLM encoder."""

import pytest

from nlp.model_files import DEFAULT_MODEL_DIR, load_default_weights

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
    assert sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir()) <= 25 * 1024 * 1024
    manifest, weights = load_default_weights(DEFAULT_MODEL_DIR)
    assert manifest["labels"] == ["negative", "neutral", "positive"]
    assert weights["stack_coef"].shape[0] == 3


@pytest.mark.model
def test_clear_posts_in_five_languages(default_model):
    texts = [t for label in POSTS for t in POSTS[label]]
    gold = [label for label in POSTS for _ in POSTS[label]]
    preds = default_model.predict(texts)
    assert [p.label for p in preds] == gold
    for p in preds:
        assert sum(p.probs.values()) == pytest.approx(1.0, abs=1e-3)
        assert p.uncertain == (max(p.probs.values()) < 0.5)


@pytest.mark.model
def test_batch_size_and_given_langs_do_not_change_results(default_model):
    texts = [t for label in POSTS for t in POSTS[label]] * 3
    a = default_model.predict(texts, batch_size=4)
    b = default_model.predict(texts, batch_size=64)
    assert [p.label for p in a] == [p.label for p in b]
    for x, y in zip(a, b, strict=True):
        assert x.probs == pytest.approx(y.probs, abs=2e-3)
    langs = ["en", "ko", "zh", "ru", "it", "en", "ko", "zh", "ru", "it", "en", "ru", "zh"] * 3
    assert [p.label for p in default_model.predict(texts, langs)] == [p.label for p in a]


@pytest.mark.model
def test_input_checks(default_model):
    assert default_model.predict([]) == []
    with pytest.raises(ValueError, match="2 texts but 1 langs"):
        default_model.predict(["a", "b"], ["en"])
    assert default_model.predict([""])[0].label in {"negative", "neutral", "positive"}
