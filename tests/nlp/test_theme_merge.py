"""Merging k-means clusters (nlp/theme_merge.py) and the sentiment split on hand-made rows: no model."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from scipy.sparse import csr_matrix

from core.mention import Mention, Sentiment
from nlp.theme_merge import MAX_MERGED_SHARE, MERGED_FLOOR, merge_mutual
from nlp.themes import _centroid_similarity, _Node, _split_by_sentiment


def _rows(axes: list[int], per: int, shared: float, seed: int, dim: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """`per` unit rows around each axis, all leaning on axis 0 by `shared` (the corpus' common word)."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for c, axis in enumerate(axes):
        block = rng.normal(0, 0.05, (per, dim))
        block[:, 0] += shared
        block[:, axis] += 1.0
        rows.append(block)
        labels += [c] * per
    x = np.vstack(rows)
    return x / np.linalg.norm(x, axis=1, keepdims=True), np.array(labels)


def _dist(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    centres = np.vstack([x[labels == c].mean(axis=0) for c in range(labels.max() + 1)])
    return np.linalg.norm(x[:, None, :] - centres[None, :, :], axis=2)


def test_topics_sharing_the_corpus_word_are_not_chained_into_one():
    # Ten topics, every post leaning on one shared word (the debate's "trump"): their centroids are
    # all >= 0.5 alike, so the old rule (merge at centroid cosine >= 0.5, transitively) made one theme.
    x, labels = _rows(list(range(1, 11)), 30, 1.3, 1)
    sim = _centroid_similarity(csr_matrix(x), labels)
    assert (sim[~np.eye(10, dtype=bool)] >= 0.5).all()
    merged, dist, merges = merge_mutual(csr_matrix(x), labels, _dist(x, labels), [f"t{c}" for c in range(10)])
    # Pairs may join (their shared word makes them alike enough), but never past the cap, never in a chain.
    assert np.bincount(merged).max() / len(merged) <= MAX_MERGED_SHARE
    assert merged.max() + 1 >= 5 and all(len(ms) <= 1 for ms in merges)
    assert dist.shape == (300, merged.max() + 1)


def test_one_topic_split_by_k_means_is_joined_and_the_merge_explained():
    x, _ = _rows([1, 2, 3, 4, 5, 6], 20, 0.3, 2)  # topic 1 (rows 0-19) cut in two by k-means: clusters 0, 1
    labels = np.concatenate([[0] * 12, [1] * 8, np.repeat(np.arange(2, 7), 20)])
    merged, _, merges = merge_mutual(csr_matrix(x), labels, _dist(x, labels), ["a", "a2", "b", "c", "d", "e", "f"])
    assert merged.max() + 1 == 6
    assert len(set(merged[:20])) == 1 and merged[20] != merged[0]
    (record,) = [m for ms in merges for m in ms]
    assert record["parts"] == ["a", "a2"] and record["sizes"] == [12, 8]
    assert record["similarity"] > 0.5 and "mutual nearest" in record["why"]


def test_no_merge_builds_a_cluster_over_the_cap():
    x, _ = _rows([1, 2, 3, 4], 100, 0.3, 3)
    labels = np.repeat([0, 1, 2, 3], 100)
    labels[60:100] = 4  # topic 1 in two clusters, 60 + 40 posts: 25% of the posts together
    assert MAX_MERGED_SHARE < 0.25 and MERGED_FLOOR < 100
    merged, _, merges = merge_mutual(csr_matrix(x), labels, _dist(x, labels), [str(c) for c in range(5)])
    assert merged.max() + 1 == 5 and not any(merges)
    x = np.vstack([x, _rows([5], 100, 0.3, 4)[0]])  # a fifth topic: the same two clusters are 20%, joined
    labels = np.concatenate([labels, np.full(100, 5)])
    merged, _, merges = merge_mutual(csr_matrix(x), labels, _dist(x, labels), [str(c) for c in range(6)])
    assert merged.max() + 1 == 5 and [r["sizes"] for ms in merges for r in ms] == [[60, 40]]


def _mentions(labels: list[str]) -> list[Mention]:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    return [Mention(source="test", native_id=str(i), text="battery", lang="en", created_at=when,
                    sentiment=Sentiment(label=s, probs={s: 1.0}, model="test")) for i, s in enumerate(labels)]


def test_a_mixed_theme_splits_by_sentiment_only_when_the_halves_are_two_topics():
    praise, _ = _rows([1], 30, 0.8, 4)  # "battery lasts all day"
    fire, _ = _rows([2], 30, 0.8, 5)  # "battery caught fire"
    x = csr_matrix(np.vstack([praise, fire]))
    mentions = _mentions(["positive"] * 30 + ["negative"] * 30)
    rows = np.arange(60)
    node = _Node(rows, ["battery"], scope=rows, local=rows)
    negative, positive = _split_by_sentiment(node, x, mentions)
    assert (negative.half, positive.half) == ("negative", "positive")
    assert set(negative.rows) == set(range(30, 60)) and set(positive.rows) == set(range(30))
    assert negative.split is positive.split and negative.split["negative"] == 30
    assert "mixed" in negative.split["why"]
    # The same mix of sentiment over one topic: the halves are alike, the theme stays whole.
    same, _ = _rows([1], 60, 0.8, 6)
    mixed = _mentions(["positive", "negative"] * 30)
    assert _split_by_sentiment(_Node(rows, ["battery"], scope=rows, local=rows), csr_matrix(same), mixed) == [
        _Node(rows, ["battery"], scope=rows, local=rows)
    ]


def _topic(direction: np.ndarray, per: int, rng) -> np.ndarray:
    block = direction + rng.normal(0, 0.03, (per, len(direction)))
    return block / np.linalg.norm(block, axis=1, keepdims=True)


def _scored(labels: list[str]) -> list[Mention]:
    return [Mention(source="t", native_id=f"{i:03d}", text="x", lang="en", created_at=datetime(2026, 11, 1, tzinfo=UTC),
                    sentiment=Sentiment(label=label, probs={label: 1.0}, model="t")) for i, label in enumerate(labels)]


def test_a_related_but_distinct_theme_nests_under_the_bigger_one_and_an_unrelated_one_stays_top_level():
    from nlp.theme_merge import MERGE_KEEP, NEST_KEEP
    from nlp.themes import _join, _nest, _themes

    rng = np.random.default_rng(3)
    e = np.eye(16)
    cos = (NEST_KEEP + MERGE_KEEP) / 2  # related (battery overheating / charging danger), not one topic
    x = np.vstack([_topic(e[1], 60, rng), _topic(cos * e[1] + np.sqrt(1 - cos**2) * e[2], 30, rng),
                   _topic(e[3], 30, rng)])
    spans = [np.arange(0, 60), np.arange(60, 90), np.arange(90, 120)]
    nodes = [_Node(rows, [name], scope=np.arange(120), local=rows)
             for rows, name in zip(spans, ["overheating", "charging", "delivery"], strict=True)]
    mentions = _scored(["negative"] * 120)
    # The merge rule keeps the related pair apart (not one topic)...
    kmeans = np.repeat([0, 1, 2], [60, 30, 30])
    labels, _, _ = merge_mutual(x, kmeans, _dist(x, kmeans), ["overheating", "charging", "delivery"])
    assert len(set(labels)) == 3
    # ...nesting makes it the bigger one's aspect; the unrelated theme stays top-level.
    top = _nest(nodes, csr_matrix(x), mentions)
    assert [n.keywords for n in top] == [["overheating"], ["delivery"]]
    parent = top[0]
    assert [c.keywords for c in parent.children] == [["charging"]]
    _join(parent, parent.children)
    assert sorted(parent.rows) == list(range(90))  # its posts carry the parent's label too
    record = parent.children[0].nested
    assert record["into"] == "overheating" and record["sizes"] == [30, 60] and "mutual nearest" in record["why"]
    themes = _themes(top, 10, mentions)
    assert [(t.label, t.parent, t.count) for t in themes] == [
        ("overheating", None, 90), ("charging", "overheating", 30), ("delivery", None, 30)]
    assert themes[1].info()["nested"] == record


def test_nesting_is_one_level_and_never_joins_a_sentiment_split_or_opposite_moods():
    from nlp.theme_merge import MERGE_KEEP, NEST_KEEP
    from nlp.themes import _nest

    rng = np.random.default_rng(4)
    e = np.eye(16)
    cos = (NEST_KEEP + MERGE_KEEP) / 2
    # A chain: b is related to a, c to b; a parent never nests further and a nested theme takes none.
    b_dir = cos * e[1] + np.sqrt(1 - cos**2) * e[2]
    c_dir = cos * b_dir + np.sqrt(1 - cos**2) * e[3]
    x = np.vstack([_topic(e[1], 60, rng), _topic(b_dir, 40, rng), _topic(c_dir, 20, rng)])
    spans = [np.arange(0, 60), np.arange(60, 100), np.arange(100, 120)]
    negative = _scored(["negative"] * 120)
    nodes = [_Node(rows, [name], local=rows) for rows, name in zip(spans, ["a", "b", "c"], strict=True)]
    top = _nest(nodes, csr_matrix(x), negative)
    assert top and all(not c.children for n in top for c in n.children)  # one level
    assert {n.keywords[0] for n in top} | {c.keywords[0] for n in top for c in n.children} == {"a", "b", "c"}

    def pair(split=None):
        return [_Node(rows, [name], split=split, local=rows) for rows, name in zip(spans[:2], ["a", "b"], strict=True)]

    assert len(_nest(pair(), csr_matrix(x), negative)) == 1  # the pair nests...
    # ...unless it is the two halves of a sentiment split, told apart on purpose,
    assert len(_nest(pair({"why": "mixed"}), csr_matrix(x), negative)) == 2
    # or its moods differ: neutral questions never carry a praise theme's label.
    assert len(_nest(pair(), csr_matrix(x), _scored(["positive"] * 60 + ["neutral"] * 60))) == 2
