"""Theme labels a marketer can use (nlp/theme_labels.py, nlp/label_words.py): never the stream's hashtags, a
word twice or a lone filler word; a language view gets a label in its own language; the label shown is the
language of the theme's most representative posts. Real PhraseIndex on real tokenisation, no model.

Seen on the GOP debate stream ("gopdebate gopdebates · fox news", "gopdebates gopdebates · ass served",
"last", "give · boring") and on the demo (Spanish posts under a Korean label, a Chinese praise minority
naming an aspect of complaints in five languages)."""

from __future__ import annotations

from nlp.label_words import allowed
from nlp.theme_labels import PhraseIndex, representative_order

TOPICS = ["megyn kelly question", "immigration wall plan", "tax cuts plan", "abortion rights vote"]


def _words(label: str) -> list[str]:
    return [w for phrase in label.split(" · ") for w in phrase.split()]


def test_the_streams_hashtags_and_their_other_forms_are_never_label_words():
    """Every post carries #GOPDebate, a third #GOPDebates too: a grab-bag theme of the posts with both (and
    the hashtag twice) used to be labelled by them, as they are twice as common there as elsewhere."""
    texts = [f"#GOPDebate {TOPICS[i % 4]} take {i}" for i in range(40)]
    grab = [f"#GOPDebate #GOPDebates #GOPDebates what a night {w}" for w in
            ["piano", "garden", "sunset", "tennis", "coffee", "museum", "holiday", "kitten", "violin",
             "orange", "rocket", "island"]]
    texts += grab
    index = PhraseIndex(texts, ["en"] * len(texts), frozenset({"trump"}))
    members = list(range(40, len(texts)))
    labels = index.labels(members, index.count(range(len(texts))))
    for label in labels.values():
        assert not {"gopdebate", "gopdebates"} & set(_words(label)), label
    assert index.distinct_words(members, index.count(range(len(texts))), ["gopdebates", "night"]) == ["night"]
    # A topic is still named by its own words.
    topic = [i for i in range(40) if i % 4 == 1]
    assert "immigration wall plan" in index.labels(topic, index.count(range(len(texts))))["en"]


def test_a_phrase_never_repeats_a_word():
    assert not allowed(("boring boring", ("boring", "boring")), frozenset())
    texts = [f"boring boring debate tonight {n}" for n in range(8)] + [f"great answers on {t}" for t in TOPICS * 4]
    index = PhraseIndex(texts, ["en"] * len(texts), frozenset())
    label = index.labels(list(range(8)), index.count(range(len(texts))))["en"]
    for phrase in label.split(" · "):
        assert len(set(phrase.split())) == len(phrase.split()), label


def test_a_lone_function_word_is_not_a_label():
    """"last" alone (scikit-learn's English stopwords call it a function word) says nothing: no label, and
    not a fallback word either, so the theme falls back honestly."""
    others = ["sunset", "tennis", "coffee", "museum", "holiday", "kitten", "violin", "orange", "rocket", "island"]
    texts = [f"the last {w}" for w in others] + [f"{t} {n}" for t in TOPICS for n in range(6)]
    index = PhraseIndex(texts, ["en"] * len(texts), frozenset())
    scope = index.count(range(len(texts)))
    assert index.labels(list(range(10)), scope) == {}
    assert index.distinct_words(list(range(10)), scope, ["last"]) == []


def test_a_language_with_no_phrase_apart_from_its_siblings_is_described_in_its_own_language():
    """An aspect's Spanish posts say what its sibling's Spanish posts say: no phrase sets them apart from
    the siblings, but a Spanish view must not show the English label: they are described against every
    Spanish post of the brand."""
    aspect = [f"screen cracked badly today {n}" for n in range(20)] + ["la batería explotó ayer"] * 12
    sibling = [f"shipping delay again ugh {n}" for n in range(20)] + ["la batería explotó ayer"] * 8
    rest_es = ["el envío llegó tarde", "precio demasiado alto", "buena cámara nueva", "pantalla muy brillante"]
    rest_en = ["customer support rude", "price too high", "nice camera upgrade", "bright display"]
    texts = aspect + sibling + [rest_es[n % 4] for n in range(40)] + [rest_en[n % 4] for n in range(40)]
    langs = ["en"] * 20 + ["es"] * 12 + ["en"] * 20 + ["es"] * 8 + ["es"] * 40 + ["en"] * 40
    index = PhraseIndex(texts, langs, frozenset())
    parent = index.count(range(len(aspect) + len(sibling)))
    labels = index.labels(list(range(len(aspect))), parent)
    assert "cracked" in labels["en"]
    assert "batería explotó" in labels["es"]


def test_the_label_shown_is_the_language_of_the_most_representative_posts():
    """An aspect of "broke after a week" complaints in three languages (30 posts, nearest its centre) and
    a Chinese praise minority at its edge (20 posts): the largest single language is Chinese, but the
    label shown (the first) is the language most common among the nearer half."""
    core = ["broke after a week", "сломался через неделю", "nach einer woche kaputt"]
    core_langs = ["en", "ru", "de"]
    texts = [core[i % 3] for i in range(30)] + ["完全超出预期 新买的很好"] * 20
    langs = [core_langs[i % 3] for i in range(30)] + ["zh"] * 20
    other = {"en": ["great price", "fast shipping", "nice colour"], "ru": ["хорошая цена", "быстрая доставка",
             "красивый цвет"], "de": ["guter preis", "schnelle lieferung", "schöne farbe"],
             "zh": ["价格便宜", "发货很快", "颜色漂亮"]}
    for lang, lines in other.items():
        texts += [lines[n % 3] for n in range(30)]
        langs += [lang] * 30
    index = PhraseIndex(texts, langs, frozenset())
    labels = index.labels(list(range(50)), index.count(range(len(texts))))
    assert set(labels) == {"en", "ru", "de", "zh"}
    assert next(iter(labels)) == "en"
    assert representative_order(["en", "ru", "de", "en", "zh", "zh", "zh", "zh"]) == ["en", "de", "ru", "zh"]
