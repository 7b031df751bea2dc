"""A Title Case headline quoting one foreign word is in its own language: `nlp.langid.focus_text` read every
capitalised word as a name, so 'Samsung Unveils New Galaxy Phone At Seoul Event In 서울' was judged by 서울 alone
(Korean). In Title Case a capital first letter is the style; the short mixed posts the name rule was made for
(tools/langid/short_mixed.tsv: `python -m tools.langid.check`) keep their language. Real lingua."""

from __future__ import annotations

import pytest

from nlp.langid import detect_language, focus_text
from tools.langid.check import short_posts

HEADLINES = [
    ("Samsung Unveils New Galaxy Phone At Seoul Event In 서울", "en"),
    ("Breaking: Apple Opens New Store In Москва Today", "en"),
    ("Lumora Kündigt Neues Modell Für Den Markt In 東京 An", "de"),
]


@pytest.mark.parametrize(("text", "lang"), HEADLINES)
def test_a_title_case_headline_keeps_its_language(text: str, lang: str) -> None:
    assert focus_text(text) == text  # the whole headline is read, not its one foreign word
    assert detect_language(text) == lang


def test_short_mixed_posts_are_still_judged_by_their_non_latin_words() -> None:
    rows = [(lang, text) for lang, text in short_posts() if lang in ("ko", "ja", "zh")]
    assert rows and all(focus_text(text) != text for _, text in rows if text.split()[0].isascii())
    assert [detect_language(text) for _, text in rows] == [lang for lang, _ in rows]
