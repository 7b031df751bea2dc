"""A theme label is never the brand's own name in another script: its aliases are excluded in every form the
brand is matched by (groundswell/themes_step.py `label_stopwords`, nlp/label_words.py `brand_word`).

Real config (aliases, `inflect: [ru]`), real tokenizers (jieba, kiwipiepy, Snowball) and the real labeler
(nlp/theme_labels.py PhraseIndex), on texts as themes read them with `nlp.mask_brand_names: false` (the
names left in the text)."""

from __future__ import annotations

from groundswell.config import BrandConfig
from groundswell.themes_step import label_stopwords
from nlp.theme_labels import PhraseIndex
from nlp.themes import label_exclusions

BRAND = BrandConfig(name="Lumora", query="Lumora OR #lumora", aliases=["Люмора", "露莫拉", "루모라"], inflect=["ru"])

# Per language: the theme's posts (each names the brand, in an inflected form or as jieba cuts it up), and the
# brand's other posts (other topics) it is told apart from.
THEME = {
    "ru": ["У Люморы перегрев батареи {n}", "Люмору вернул: перегрев батареи {n}", "Люморой недоволен, перегрев {n}"],
    "zh": ["露莫拉的电池过热了{n}", "露莫拉电池过热，很危险{n}", "露莫拉耳机电池过热{n}"],
    "ko": ["루모라의 배터리 과열 {n}", "루모라 배터리 과열 심해요 {n}", "루모라에서 배터리 과열 {n}"],
}
OTHERS = {
    "ru": ["доставка опоздала на неделю", "цена слишком высокая", "хороший звук в метро", "поддержка не отвечает"],
    "zh": ["快递太慢了", "价格太贵了", "音质很好", "客服不回复"],
    "ko": ["배송이 너무 늦어요", "가격이 비싸요", "음질이 좋아요", "고객센터 답이 없어요"],
}


def _words(label: str, lang: str) -> list[str]:
    return [w for phrase in label.split(" · ") for w in (phrase.split() if lang != "zh" else [phrase])]


def test_the_brand_aliases_are_label_stopwords():
    stop = label_stopwords(BRAND)
    assert {"lumora", "люмора", "露莫拉", "루모라"} <= stop


def test_no_form_of_an_alias_names_a_theme():
    """Russian case forms (Люморы, Люмору, Люморой: the alias matches them with `inflect: [ru]`) and the
    pieces jieba cuts 露莫拉 into (莫拉) were label words: "люморы перегрев батареи", "莫拉电池过热"."""
    exclude = frozenset(label_exclusions(sorted(label_stopwords(BRAND))))
    texts, langs, theme = [], [], {}
    for lang, posts in THEME.items():
        mine = [posts[n % 3].format(n=n) for n in range(12)]
        rest = [OTHERS[lang][n % 4] + f" {n}" for n in range(36)]
        theme[lang] = list(range(len(texts), len(texts) + len(mine)))
        texts += mine + rest
        langs += [lang] * (len(mine) + len(rest))
    index = PhraseIndex(texts, langs, exclude)
    everyone = index.count(range(len(texts)))
    for lang, members in theme.items():
        label = index.labels(members, everyone).get(lang)
        assert label, (lang, "the topic still names the theme")
        assert not any(name in label.lower() for name in ("люмор", "莫拉", "루모라")), label
    # The topic itself is still the label.
    assert "перегрев" in index.labels(theme["ru"], everyone)["ru"]
    assert "过热" in index.labels(theme["zh"], everyone)["zh"]
    assert "과열" in index.labels(theme["ko"], everyone)["ko"]
