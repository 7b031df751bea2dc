"""Themes on a small synthetic multilingual set with one planted topic."""

import random
from datetime import UTC, datetime

import numpy as np
import pytest

from core.mention import Mention, Sentiment
from nlp.embeddings import SentenceEmbeddings
from nlp.normalize import normalize as clean
from nlp.themes import Theme, extract_themes

PLANTED = {  # the "crisis": chargers overheating
    "en": ["the charger overheated and melted", "my charger overheated again, melted plastic smell",
           "charger overheated while charging overnight"],
    "it": ["il caricatore si è surriscaldato e fuso", "caricatore surriscaldato di nuovo, plastica fusa"],
    "ko": ["충전기 과열 때문에 녹았어요", "충전기 과열 문제 또 발생했어요"],
    "zh": ["充电器过热熔化了", "充电器又过热了，太危险"],
    "ru": ["зарядка перегрелась и расплавилась", "зарядка опять перегрелась"],
}
NOISE = {
    "en": ["love the new camera colours", "delivery was quick and easy", "the app update looks clean",
           "price seems fair for what you get", "customer service answered fast"],
    "it": ["la fotocamera nuova è bellissima", "consegna veloce e puntuale", "prezzo giusto per il prodotto"],
    "ko": ["카메라 색감 좋아요", "배송 빨라서 만족해요", "가격 괜찮네요"],
    "zh": ["相机颜色很好看", "快递很快", "价格还可以"],
    "ru": ["камера снимает отлично", "доставка быстрая", "цена нормальная"],
}


def _posts(groups: dict[str, list[str]], n: int, prefix: str, seed: int, label: str) -> list[Mention]:
    rng = random.Random(seed)
    langs = sorted(groups)
    out = []
    for i in range(n):
        lang = langs[i % len(langs)]
        text = rng.choice(groups[lang]) + rng.choice(["", "!", " ...", " #acme", " @acme"])
        out.append(Mention(
            source="test", native_id=f"{prefix}{i}", text=text, lang=lang,
            created_at=datetime(2026, 11, 1, tzinfo=UTC),
            sentiment=Sentiment(label=label, probs={label: 1.0}, model="test"),
        ))
    return out


def _is_planted(theme: Theme) -> bool:
    planted_words = {"charger", "overheated", "caricatore", "surriscaldato", "충전기", "과열", "充电器", "过热",
                     "зарядка", "перегрелась"}
    return bool(planted_words & set(theme.keywords))


@pytest.mark.model
def test_planted_topic_comes_out_as_labelled_themes():
    posts = _posts(NOISE, 80, "n", 1, "positive") + _posts(PLANTED, 50, "c", 2, "negative")
    themes = extract_themes(posts, max_themes=10)
    assert themes == extract_themes(list(reversed(posts)), max_themes=10)  # deterministic, order-free
    planted = [t for t in themes if _is_planted(t)]
    assert planted, [t.label for t in themes]
    for theme in planted:
        assert theme.label and len(theme.label) < 60
        assert theme.count == len(theme.member_ids) >= 3
        assert set(theme.sample_ids) <= set(theme.member_ids)
        assert all(mid.startswith("test:c") for mid in theme.member_ids)  # only planted posts
        assert theme.sentiment == {"negative": theme.count}
    assert sum(t.count for t in planted) >= 38  # most of the 50 planted posts are found


def test_too_few_mentions_give_no_themes():
    assert extract_themes([], max_themes=3) == []


def _mixed_posts() -> list[Mention]:
    """An overheating topic in English and Italian sharing the product's name, and everyday talk."""
    topic = {"en": ["lumora x2 battery overheating again", "my lumora x2 battery overheating while charging"],
             "it": ["lumora x2 batteria surriscaldata", "la lumora x2 ha la batteria surriscaldata di nuovo"]}
    other = {"en": ["delivery was quick", "delivery was quick and easy"],
             "it": ["consegna veloce", "consegna veloce e puntuale"]}
    return _posts(topic, 40, "c", 3, "negative") + _posts(other, 40, "n", 4, "positive")


def _multilingual(posts: list[Mention]) -> SentenceEmbeddings:
    """What a multilingual encoder gives (the real SentenceEmbeddings, its vectors kept): a post's
    vector is its topic's direction, whatever its language."""
    rng = np.random.default_rng(0)
    kept = SentenceEmbeddings()
    texts = sorted({clean(m.text) for m in posts})
    axis = [0 if ("lumora" in t) else 1 for t in texts]
    vectors = rng.normal(0, 0.05, (len(texts), 384)).astype(np.float32)
    vectors[np.arange(len(texts)), axis] += 1.0
    kept.keep(texts, vectors)
    return kept


def test_languages_cluster_together_by_default_and_apart_when_asked():
    """The embeddings are multilingual (e5): one crisis in two languages is one theme unless asked otherwise."""
    posts = _mixed_posts()
    kept = _multilingual(posts)
    apart = extract_themes(posts, max_themes=10, embeddings=kept, cross_language=False)
    assert apart and all(len(t.langs) == 1 for t in apart)
    together = extract_themes(posts, max_themes=10, embeddings=kept)
    assert kept.encoded == 0  # every vector came from the kept ones
    both = [t for t in together if set(t.langs) == {"en", "it"}]
    assert both, [(t.label, t.langs) for t in together]
    theme = max(both, key=lambda t: t.count)
    assert all(mid.startswith("test:c") for mid in theme.member_ids)
    # Labels per language side by side, each a phrase of that language; one display label.
    assert "battery overheating" in theme.labels["en"] and "batteria surriscaldata" in theme.labels["it"]
    assert theme.label in theme.labels.values()


def test_a_multi_word_brand_name_is_in_no_label():
    posts = _mixed_posts()
    themes = extract_themes(posts, max_themes=10, embeddings=_multilingual(posts), stopwords=("Lumora X2",))
    labels = [t.label for t in themes] + [text for t in themes for text in t.labels.values()]
    assert labels and not [label for label in labels if "lumora" in label or "x2" in label], labels
    assert not [w for t in themes for w in t.keywords if w in ("lumora", "x2")]
