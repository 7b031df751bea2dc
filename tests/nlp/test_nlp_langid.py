import pytest

from nlp.langid import detect_language, detect_languages
from nlp.normalize import normalize

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


# Short posts as the Enricher reads them: lingua guessed from the URL and @handle placeholders ('@user' → nl/de,
# 'http' → it) instead of the words around them.
SHORT_EN = ["@acme love it https://t.co/x", "@acme still broken https://t.co/q", "new phone day https://t.co/abc",
            "check this out https://t.co/zz", "so good https://t.co/a", "@bestbuy @acme how do I return this?"]


@pytest.mark.parametrize("text", SHORT_EN)
def test_short_english_posts_with_urls_and_handles_are_english(text):
    assert detect_languages([text, normalize(text)]) == ["en", "en"]


def test_only_urls_and_handles_is_no_language():
    texts = ["@Acme", "@user", "https://t.co/AbC123", "@user http", "@acmesupport @user http 🔥", "www.acme.example"]
    assert detect_languages(texts) == [None] * len(texts)
    assert detect_language("http") is None
