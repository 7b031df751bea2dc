"""Short posts in a non-Latin script with Latin product names get their script's language (nlp/langid.py
`focus_text`), measured on the committed table of tools/langid/short_mixed.tsv; longer posts are unchanged."""

from __future__ import annotations

import pytest

from nlp.langid import detect_languages, focus_text
from nlp.tokenize import tokenize
from tests.conftest import shared_path
from tools.langid.check import long_posts, score, short_posts


@pytest.mark.parametrize(("text", "lang"), [
    ("Lumora Pulse 과열", "ko"), ("Lumora Halo 최고", "ko"), ("Pulse AS 받음", "ko"), ("Pulse 과열 심각", "ko"),
    ("Halo 2 노캔 별로", "ko"), ("Lumora Pulse 过热", "zh"), ("Pulse брак сломался", "ru"),
    ("Halo дуже гарний звук", "uk"),
])
def test_latin_names_do_not_decide_a_short_posts_language(text, lang):
    assert detect_languages([text]) == [lang]


def test_a_latin_post_quoting_a_foreign_word_keeps_its_language():
    texts = ["I love 김치 so much, best food ever", "Ich finde die Пульс Serie nicht gut und zu teuer"]
    assert focus_text(texts[0]) == texts[0]
    assert detect_languages(texts) == ["en", "de"]


def test_korean_words_of_a_mixed_post_reach_the_korean_tokenizer():
    (lang,) = detect_languages(["Pulse 과열 심각"])
    assert any(word.startswith("과열") for word in tokenize("Pulse 과열 심각", lang))


def test_short_mixed_table_accuracy():
    table = score(short_posts())
    # Korean, Chinese and Japanese posts are named by their script; Russian and Ukrainian one-word posts
    # ('Halo норм') are often the same word in both languages, so a few stay wrong.
    for lang in ("ko", "zh", "ja"):
        assert table[lang]["after"] == table[lang]["rows"], (lang, table[lang])
    for lang in ("ru", "uk"):
        assert table[lang]["after"] >= 0.8 * table[lang]["rows"], (lang, table[lang])
        assert table[lang]["after"] >= table[lang]["before"]


def test_longer_posts_are_not_hurt():
    root = shared_path("data", "sentiment")
    table = score(long_posts(200, root))
    for lang, row in table.items():
        assert row["after"] >= row["before"], (lang, row)
