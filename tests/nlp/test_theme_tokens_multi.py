"""Theme words in Italian, French and Japanese, and a small language's own label.

Seen in a multilingual review corpus (Italian, Korean, Russian, Chinese posts about one brand): Italian
elided articles stayed glued to the noun (one noun was five keywords and labels repeated it:
"all'assistenza è lentissima · dell'assistenza"), katakana words (バッテリー) were cut into single characters
and dropped, and a theme holding 23 Korean posts, all about 고객센터, got no Korean label: a prior of 100
pseudo-counts outweighed that language's few other posts."""

from __future__ import annotations

from nlp.phrases import post_grams
from nlp.theme_labels import MIN_LANG_POSTS, PhraseIndex
from nlp.tokenize import phrase_runs, tokenize


def test_italian_elided_articles_are_split_off_in_both_apostrophes():
    forms = ["L'assistenza", "l’assistenza", "dell'assistenza", "all’assistenza", "dall'assistenza",
             "nell'assistenza", "sull'assistenza"]
    for form in forms:
        assert tokenize(f"{form} è lentissima", "it") == ["assistenza", "lentissima"], form
    assert tokenize("Un'altra batteria, quest'anno c'è sempre un problema", "it") == ["altra", "batteria", "anno",
                                                                                    "problema"]


def test_french_elisions_are_split_off():
    assert tokenize("J'ai appelé l’assistance qu'ils disent d'urgence", "fr") == ["appelé", "assistance", "disent",
                                                                                 "urgence"]


def test_english_contractions_and_possessives_are_unchanged():
    """Not elisions: "don't", "it's", "i'm", "you're" stay stopwords, a possessive stays one word (either
    apostrophe)."""
    text = "I don't think it's trump’s fault, I'm sure you're right and he didn't lie"
    assert tokenize(text, "en") == ["trump's", "fault", "sure", "right", "lie"]


def test_a_phrase_keeps_an_elided_article_joined_and_never_starts_with_it():
    grams = {text for text, _ in post_grams("la batteria dell'auricolare dura pochissimo", "it")}
    assert "batteria dell'auricolare" in grams
    assert "auricolare dura" in grams
    assert not any(g.startswith("dell'") or g.endswith("'") for g in grams), grams
    curly = {text for text, _ in post_grams("la batteria dell’auricolare dura pochissimo", "it")}
    assert curly == grams


def test_an_italian_theme_label_names_the_noun_once():
    """Theme posts write the noun with five different articles: one keyword, not five, so the label does not
    repeat it under another article."""
    articles = ["l'", "all'", "dell'", "dall'", "nell'"]
    theme = [f"{a}assistenza clienti non risponde mai, {n}" for n in ("vergogna", "lentissima") for a in articles]
    other = [f"{a} {b} dopo {c} giorni" for a in ("schermo", "custodia", "cinturino", "microfono")
             for b in ("rotto", "graffiato", "staccato") for c in ("pochi", "dieci", "venti")]
    texts = theme + other
    index = PhraseIndex(texts, ["it"] * len(texts), frozenset())
    members = list(range(len(theme)))
    label = index.labels(members, index.count(range(len(texts))))["it"]
    assert "'" not in label and "’" not in label, label
    words = label.replace(" · ", " ").split()
    assert len(words) == len(set(words)), label
    assert "assistenza" in words, label


def test_katakana_words_are_whole_tokens_in_japanese_and_chinese_text():
    assert "バッテリー" in tokenize("バッテリーがすぐ切れる。イヤホンも壊れた", "ja")
    assert "イヤホン" in tokenize("バッテリーがすぐ切れる。イヤホンも壊れた", "ja")
    assert "バッテリー" in tokenize("这个バッテリー很差", "zh")
    assert tokenize("ソニー・イヤホン", "ja") == ["ソニー", "イヤホン"]  # the middle dot separates words
    words = [w for run in phrase_runs("バッテリーがすぐ切れる", "ja") for w, _ in run]
    assert "バッテリー" in words


def test_a_language_with_a_few_short_posts_gets_its_own_label():
    """23 Korean posts of a theme all say 고객센터, none of the 45 other Korean posts does: the Korean side
    of the theme gets a Korean label (the Italian side has one)."""
    ko_theme = ["고객센터에 문의했는데 답이 없네요", "고객센터 상담원 연결이 안 돼요", "고객센터는 전화를 안 받아요"]
    ko_other = ["펄스배터리 진짜 별로임", "배터리를 교체하고 싶은데 어떻게 하나요?", "배터리가 너무 빨리 닳아요",
                "배터리 수명이 너무 짧아요", "배터리가 하루도 안 가요"]
    it_theme = ["l'assistenza non risponde da una settimana", "ticket chiuso senza risposta dall'assistenza"]
    it_other = ["la batteria muore dopo due ore", "autonomia della batteria pessima"]
    theme = [ko_theme[i % 3] for i in range(23)] + [it_theme[i % 2] for i in range(20)]
    rest = [ko_other[i % 5] for i in range(45)] + [it_other[i % 2] for i in range(20)]
    texts = theme + rest
    langs = ["ko"] * 23 + ["it"] * 20 + ["ko"] * 45 + ["it"] * 20
    index = PhraseIndex(texts, langs, frozenset())
    labels = index.labels(list(range(len(theme))), index.count(range(len(texts))))
    assert 23 >= MIN_LANG_POSTS
    assert "it" in labels
    assert "ko" in labels, labels
    assert "고객" in labels["ko"], labels
