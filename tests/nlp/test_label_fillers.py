"""Everyday fillers ("просто", "davvero", "其实") are never label words on their own: they are in the one
function-word list per language (nlp/tokenize.py STOPWORDS), which decides what a content word is for both
the c-TF-IDF words and the key phrases' edges. Real tokenizers and the real labeler, no model."""

from __future__ import annotations

import pytest

from nlp.theme_labels import PhraseIndex
from nlp.tokenize import tokenize

FILLERS = {
    "ru": ["просто", "вообще", "ещё", "всё", "типа", "короче", "реально"],
    "it": ["davvero", "proprio", "comunque", "magari", "quindi"],
    "es": ["pues", "bueno", "entonces", "también", "realmente"],
    "de": ["eben", "echt", "einfach", "wirklich", "eigentlich", "irgendwie"],
    "zh": ["其实", "然后", "非常", "一直", "可能"],
}


@pytest.mark.parametrize("lang", sorted(FILLERS))
def test_fillers_are_not_content_words(lang):
    sep = "，" if lang == "zh" else " "
    assert not set(tokenize(sep.join(FILLERS[lang]), lang)) & set(FILLERS[lang])


def test_a_russian_filler_never_names_a_theme():
    """A theme of short Russian complaints each with "просто" (as many posts say it): the filler was the label's
    phrase edge ("просто ужас") and a label word; the topic is what names it."""
    theme = [f"просто ужас, {w} просто сломались" for w in
             ["наушники", "колонки", "часы", "зарядки", "кабели", "чехлы", "брелоки", "пульты", "весы", "лампы"]]
    others = ["доставка опоздала на неделю", "цена слишком высокая", "хороший звук в метро", "поддержка молчит"]
    texts = theme + [f"{others[n % 4]} {n}" for n in range(40)]
    index = PhraseIndex(texts, ["ru"] * len(texts), frozenset())
    scope = index.count(range(len(texts)))
    label = index.labels(list(range(len(theme))), scope)["ru"]
    assert "просто" not in label.split(), label
    assert "ужас" in label or "сломались" in label, label
