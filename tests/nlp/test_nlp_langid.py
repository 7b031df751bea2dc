import pytest

from nlp.langid import detect_language, detect_languages

SAMPLES = {
    "ko": "배터리가 너무 빨리 닳아서 정말 실망했어요",
    "zh": "这个手机的电池太差了，客服也不回复",
    "ru": "Батарея садится за два часа, поддержка не отвечает",
    "it": "La batteria si scarica in due ore e l'assistenza non risponde",
    "en": "The battery dies in two hours and support never answers",
    "ja": "バッテリーがすぐに切れてしまいます",
    "de": "Der Akku ist nach zwei Stunden leer und der Support antwortet nicht",
}


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_detects_language(lang):
    assert detect_language(SAMPLES[lang]) == lang


def test_batch_matches_single_and_handles_textless_posts():
    texts = [*SAMPLES.values(), "", "12345 !!!", "🔥🔥🔥"]
    assert detect_languages(texts) == [*SAMPLES.keys(), None, None, None]
