import pytest

from nlp.langid import SUPPORTED_LANGUAGES
from nlp.tokenize import STOPWORDS, phrase_runs, script_lang, tokenize


def test_korean_keeps_content_words_only():
    tokens = tokenize("배터리가 너무 빨리 닳아요. 충전기 화재 사고", "ko")
    assert {"배터리", "충전기", "화재", "사고"} <= set(tokens)
    assert "가" not in tokens and "어요" not in tokens


def test_chinese_is_segmented_and_stopwords_dropped():
    tokens = tokenize("电池起火了，太可怕了，客服也不回复")
    assert {"电池", "起火", "客服"} <= set(tokens)
    assert "了" not in tokens and "，" not in tokens


def test_latin_and_cyrillic_words_without_stopwords_urls_handles():
    assert tokenize("@acme The battery caught fire http://x.y/z", "en") == ["battery", "caught", "fire"]
    assert tokenize("La batteria è esplosa", "it") == ["batteria", "esplosa"]
    assert tokenize("Это очень плохая батарея", "ru") == ["плохая", "батарея"]


def test_script_guess():
    assert script_lang("안녕하세요") == "ko"
    assert script_lang("你好") == "zh"
    assert script_lang("こんにちは") == "ja"
    assert script_lang("hello") is None


def test_contractions_are_stopwords_like_their_listed_forms():
    """"it's" is the list's "its": no key phrase or theme label of "it's" (seen on apple-2014's alerts)."""
    from nlp.tokenize import phrase_runs, tokenize

    text = "It's freezing again, don't buy it, I’m done with safari"
    assert tokenize(text, "en") == ["freezing", "buy", "safari"]
    content = [w for run in phrase_runs(text, "en") for w, is_content in run if is_content]
    assert content == ["freezing", "buy", "safari"]


def test_closed_class_words_and_contracted_stopwords_are_not_content():
    """Seen as GOP debate theme labels ("himself · didn't", "against"): pronouns, prepositions and a stopword
    with n't/'s/'ll/'d/'re/'ve/'m are function words; a possessive ("trump's") is a word of its own."""
    text = "He's sure Trump's hair didn't move; she'll vote against himself, you're wrong, isn't it"
    assert tokenize(text, "en") == ["sure", "trump's", "hair", "move", "vote", "wrong"]


def test_a_word_that_only_looks_like_a_contraction_stays():
    """The rule reads what precedes the apostrophe: "rock'n'roll" and "night's" keep their content."""
    assert tokenize("the night's rock'n'roll show", "en") == ["night's", "rock'n'roll", "show"]


def test_every_language_langid_names_has_stopwords():
    """Language id names 17 languages; a language without a list filled theme labels with its function words."""
    assert [lang for lang in SUPPORTED_LANGUAGES if not STOPWORDS.get(lang)] == []


@pytest.mark.parametrize(("lang", "text", "content"), [
    ("nl", "de batterij van het toestel is niet goed en het is een probleem", ["batterij", "toestel", "goed",
                                                                              "probleem"]),
    ("uk", "я вже не знаю що робити з цим телефоном, але він знову гріється", ["знаю", "робити", "телефоном",
                                                                              "гріється"]),
    ("sv", "batteriet är dåligt och det laddar inte alls", ["batteriet", "dåligt", "laddar"]),
    ("pl", "bateria jest bardzo słaba i nie ładuje się", ["bateria", "słaba", "ładuje"]),
    ("tr", "telefon çok kötü ve bu batarya bir türlü şarj olmuyor", ["telefon", "kötü", "batarya", "türlü", "şarj",
                                                                     "olmuyor"]),
])
def test_function_words_of_every_language_are_not_content(lang, text, content):
    assert tokenize(text, lang) == content


def test_indic_words_keep_their_vowel_signs_and_turkish_i_is_one_letter():
    # Vowel signs and viramas are combining marks, not \w: बैटरी came out as nothing and समस्या as समस.
    assert tokenize("बैटरी की समस्या बहुत गंभीर है", "hi") == ["बैटरी", "समस्या", "गंभीर"]
    assert [w for run in phrase_runs("बैटरी की समस्या", "hi") for w, _ in run] == ["बैटरी", "की", "समस्या"]
    # str.lower() turns İ into i + a combining dot: "İstanbul" and "Istanbul" must be one keyword. And ı is i as
    # in search (KAPALI is kapalı in capitals): the key, which `written_form` gives labels back as written.
    assert tokenize("İstanbul mağazası ISTANBUL", "tr") == ["istanbul", "mağazasi", "istanbul"]
