"""A broad theme's aspects (nlp/themes.py `_children`), labelled against their siblings: no model."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import numpy as np

from core.mention import Mention, Sentiment
from nlp.theme_labels import PhraseIndex
from nlp.themes import CHILD_MIN_POSTS, _children, _features, _label, _Node, _themes
from nlp.tokenize import tokenize

ASPECTS = {
    "delays": ["flight delayed two hours again", "my flight delayed at the gate",
               "flight delayed, missed my connection"],
    "cancel": ["flight cancelled last minute", "they cancelled my flight with no notice", "flight cancelled again"],
    "bags": ["lost my luggage on this flight", "flight landed, luggage lost", "still no luggage after the flight"],
}


def _mentions() -> list[Mention]:
    rng = random.Random(7)
    out = []
    for aspect, texts in sorted(ASPECTS.items()):
        for i in range(50):
            out.append(Mention(source="test", native_id=f"{aspect}{i:02d}", text=rng.choice(texts), lang="en",
                               created_at=datetime(2026, 11, 1, tzinfo=UTC),
                               sentiment=Sentiment(label="negative", probs={"negative": 1.0}, model="test")))
    return sorted(out, key=lambda m: m.id)


def test_a_broad_theme_gets_aspects_with_a_parent_and_their_own_labels():
    mentions = _mentions()
    assert len(mentions) >= CHILD_MIN_POSTS
    docs = [tokenize(m.text, m.lang) for m in mentions]
    x = _features(docs, None)
    rows = np.arange(len(mentions))
    node = _Node(rows, ["flight"], scope=rows, local=rows)
    node.children = _children(node, x, docs, set())
    assert len(node.children) >= 2
    kids = [set(c.rows) for c in node.children]
    assert all(k <= set(rows) for k in kids) and sum(len(k) for k in kids) == len(rows)  # a partition
    _label([node], PhraseIndex([m.text for m in mentions], ["en"] * len(mentions), frozenset()))
    themes = _themes([node], 10, mentions)
    parent, children = themes[0], themes[1:]
    assert parent.parent is None and {c.parent for c in children} == {parent.label}
    assert len({t.label for t in themes}) == len(themes)  # labels name themes: unique
    # Each aspect is labelled by what sets it apart from its siblings, and is mostly one aspect.
    for child in children:
        aspect = max(ASPECTS, key=lambda a: sum(mid.startswith(f"test:{a}") for mid in child.member_ids))
        share = sum(mid.startswith(f"test:{aspect}") for mid in child.member_ids) / child.count
        word = {"delays": "delayed", "cancel": "cancelled", "bags": "luggage"}[aspect]
        assert share >= 0.8 and word in child.label, (child.label, share)
    assert parent.info()["sentiment"] == {"negative": 150, "neutral": 0, "positive": 0}


def test_a_small_theme_has_no_aspects():
    mentions = _mentions()[:CHILD_MIN_POSTS - 1]
    docs = [tokenize(m.text, m.lang) for m in mentions]
    rows = np.arange(len(mentions))
    assert _children(_Node(rows, ["flight"], scope=rows, local=rows), _features(docs, None), docs, set()) == []
