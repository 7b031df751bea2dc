"""A brand named with ı or ß is not among its own theme words: the brand's names and query words are keyed as theme
words are (`nlp.tokenize.keyword_key`, used by groundswell/themes_step.py `label_stopwords` and nlp/themes.py
`label_exclusions`), one rule.

Review s66 "dtext", finding 3: theme words became ı→i, ß→ss (`_lower`) while the brand's words stayed `.lower()`,
so with `nlp.mask_brand_names: false` the brand "Yıldız" gave the keyword `yildiz` (and "Straße" `strasse`) in every
theme of its own posts, and `brand_word("yildiz", "tr", {"yıldız"})` was False.
"""

from __future__ import annotations

import numpy as np
import pytest

from groundswell.config import BrandConfig
from groundswell.themes_step import label_stopwords
from nlp.label_words import brand_word
from nlp.theme_labels import PhraseIndex
from nlp.themes import _c_tf_idf, label_exclusions
from nlp.tokenize import keyword_key, tokenize

BRAND = BrandConfig(name="Yıldız", query="Yıldız OR Straße OR #İstanbulMağaza")


def _exclude() -> frozenset[str]:
    return frozenset(label_exclusions(sorted(label_stopwords(BRAND))))


@pytest.mark.parametrize(
    ("word", "lang"),
    [("Yıldız", "tr"), ("YILDIZ", "tr"), ("Straße", "de"), ("STRASSE", "de"), ("İstanbul", "tr"), ("ÇAĞRI", "tr"),
     ("Ｌｕｍｏｒａ", "en"), ("Lu\u00admora", "de")],
)
def test_keyword_key_is_the_key_tokenize_gives(word: str, lang: str) -> None:
    assert tokenize(f"{word} kargo", lang)[0] == keyword_key(word)


def test_the_brand_words_are_keyed_as_theme_words() -> None:
    assert {"yildiz", "strasse", "istanbulmağaza"} <= label_stopwords(BRAND)
    exclude = _exclude()
    assert brand_word("yildiz", "tr", exclude)
    assert brand_word("strasse", "de", exclude)


def test_the_brand_name_is_no_keyword_of_its_own_themes() -> None:
    """The review's reproduction: keywords by class TF-IDF (Theme.keywords), brand names left in the text."""
    texts = ["Yıldız mağazası kapalı, Straße gesperrt"] * 6 + ["YILDIZ kargo gecikti yine Straße"] * 6
    docs = [tokenize(t, "tr") for t in texts]
    keywords = _c_tf_idf(docs, np.array([0] * 6 + [1] * 6), 2, set(_exclude()))
    assert not {"yildiz", "strasse"} & {w for words in keywords for w in words}, keywords
    assert "kapali" in keywords[0] and "kargo" in keywords[1]


def test_the_brand_name_is_no_label_of_its_own_themes() -> None:
    """The real labeler (nlp/theme_labels.py PhraseIndex), as for the aliases in test_theme_label_aliases.py:
    without the brand's words left out, this theme is labelled "yıldız mağazası · kapalı"."""
    theme = ["Yıldız mağazası yine kapalı {n}", "YILDIZ mağazası kapalı, çok kötü {n}",
             "Yıldız mağazası bugün de kapalı {n}"]
    others = ["kargo çok hızlı geldi", "fiyat çok pahalı", "ses kalitesi güzel", "müşteri hizmetleri cevap vermiyor"]
    texts = [theme[n % 3].format(n=n) for n in range(12)] + [others[n % 4] + f" {n}" for n in range(36)]
    index = PhraseIndex(texts, ["tr"] * len(texts), _exclude())
    label = index.labels(list(range(12)), index.count(range(len(texts))))["tr"]
    assert "yildiz" not in label and "yıldız" not in label, label
    assert "kapalı" in label, label
