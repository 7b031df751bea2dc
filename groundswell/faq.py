"""Recurring questions and complaint reasons: the posts of one intent, grouped by meaning (the FAQ view).

The posts a brand got in a period with intent `question` (or `complaint`, nlp/intents.py) are
clustered on their multilingual-e5-small sentence embeddings (nlp/embeddings.py; the same vectors
the pipeline uses, so one question asked in German and English can share a group): average-linkage
agglomerative clustering, cut at cosine distance `DISTANCE`. A group is labelled by its most
representative post (the one nearest its centroid); groups of at least `min_count` posts are
recurring, largest first, each with its count, languages and example posts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.mention import Mention
from indexing.base import Filters, Store
from nlp.embeddings import SentenceEmbeddings
from nlp.normalize import normalize

# Cosine distance at which two groups stop merging (average linkage). Measured on the demo's questions
# (e5-small vectors): posts of one question frame whatever the product or feature ("Is the … different
# from last year's model?") lie 0.045 apart on average (at most 0.09); two English frames ("… last
# year's model?" vs "Anyone tried …?") 0.10; one frame across languages (en vs de) 0.12. So 0.09 keeps
# frames apart, and one question asked in two languages usually makes two groups (see docs/model-card.md).
DISTANCE = 0.09
# Newest posts of an intent clustered per request. Each is encoded once per dashboard process (~20–50
# posts/s on a busy 2-core machine, so a cold FAQ page of two full sections takes up to ~30–50 s; warm: instant).
MAX_POSTS = 500


@dataclass
class Group:
    """One recurring question (or complaint reason): its label post, size, languages and examples."""

    label: str
    count: int
    langs: dict[str, int]
    examples: list[Mention] = field(default_factory=list)


@dataclass
class Recurring:
    """The groups of one intent in a view: `posts` clustered (of `total` tagged), `ungrouped` left alone."""

    intent: str
    total: int
    posts: int
    ungrouped: int
    groups: list[Group]


def cluster(vectors: np.ndarray, distance: float = DISTANCE) -> list[int]:
    """A group number per row of `vectors` (average-linkage agglomerative clustering, cosine distance)."""
    if len(vectors) < 2:
        return [0] * len(vectors)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=None, distance_threshold=distance, metric="cosine", linkage="average")
    return [int(x) for x in model.fit_predict(vectors)]


def recurring(
    store: Store,
    filters: Filters,
    intent: str,
    embeddings: SentenceEmbeddings,
    *,
    min_count: int = 2,
    n: int = 10,
    examples: int = 3,
    max_posts: int = MAX_POSTS,
    text_of: Callable[[str], str] = normalize,
) -> Recurring:
    """The `n` largest groups (of at least `min_count` posts) among the newest `max_posts` posts of
    `filters` tagged `intent`. `text_of`: the text the encoder reads (the pipeline's normalised text)."""
    mentions, total = tagged_posts(store, filters, intent, max_posts)
    return group(mentions, total, intent, embeddings, min_count=min_count, n=n, examples=examples, text_of=text_of)


def tagged_posts(store: Store, filters: Filters, intent: str, max_posts: int = MAX_POSTS) -> tuple[list[Mention], int]:
    """The newest `max_posts` posts of `filters` tagged `intent`, and how many there are in all (the store's part)."""
    page = store.search(filters.replace(intent=intent), size=max_posts, sort="newest")
    return [hit.mention for hit in page.hits], page.total


def group(
    mentions: list[Mention],
    total: int,
    intent: str,
    embeddings: SentenceEmbeddings,
    *,
    min_count: int = 2,
    n: int = 10,
    examples: int = 3,
    text_of: Callable[[str], str] = normalize,
) -> Recurring:
    """`recurring` on posts already read (the encoder's and clustering's part: no store access)."""
    if not mentions:
        return Recurring(intent, total, 0, 0, [])
    vectors = embeddings.for_texts([text_of(m.text) for m in mentions])
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    labels = cluster(unit)
    members: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        members.setdefault(label, []).append(i)
    groups = [_group(mentions, unit, idx, examples) for idx in members.values() if len(idx) >= min_count]
    groups.sort(key=lambda g: (-g.count, g.label))
    grouped = sum(g.count for g in groups)
    return Recurring(intent, total, len(mentions), len(mentions) - grouped, groups[:n])


def _group(mentions: list[Mention], unit: np.ndarray, idx: list[int], examples: int) -> Group:
    """A group labelled by its most central post; examples: the most central distinct texts, newest first on ties."""
    centroid = unit[idx].mean(axis=0)
    order = sorted(idx, key=lambda i: -float(unit[i] @ centroid))
    seen: set[str] = set()
    picked = []
    for i in order:
        key = normalize(mentions[i].text).lower()
        if key not in seen:
            seen.add(key)
            picked.append(mentions[i])
        if len(picked) == examples:
            break
    langs = Counter(mentions[i].lang or "unknown" for i in idx)
    return Group(label=mentions[order[0]].text, count=len(idx), langs=dict(langs.most_common()), examples=picked)
