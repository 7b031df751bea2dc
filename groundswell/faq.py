"""Recurring questions and complaint reasons: the posts of one intent, grouped by meaning (the FAQ view).

The posts a brand got in a period with intent `question` (or `complaint`, nlp/intents.py) are
clustered on their multilingual-e5-small sentence embeddings (nlp/embeddings.py; the same vectors
the pipeline uses, so one question asked in German and English can share a group): average-linkage
agglomerative clustering, cut at cosine distance `DISTANCE`. A group is labelled by its most
representative post (the one nearest its centroid); groups of at least `min_count` posts are
recurring, largest first, each with its count, languages, example posts, the ids of all its posts
(the drill-down: at most `MAX_POSTS`, as only that many are clustered), how many distinct texts it
holds (copies by the collector's rule, `core.mention.dedup_key`: one text posted six times is "6 posts,
1 distinct text") and the top-level theme (the Themes page's, alerts/theme_tree.py) most of its posts
carry, with the other groups of that theme: the same complaint in other languages usually makes groups of
its own (DISTANCE keeps languages apart), and the themes step, which groups a brand's posts across
languages, is what links them. Sharing a theme is the themes step's judgement, not a paraphrase test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from core.mention import Mention, dedup_key
from indexing.base import Filters, Store
from nlp.embeddings import SentenceEmbeddings
from nlp.normalize import normalize
from nlp.theme_state import aspect_parents

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
    """One recurring question (or complaint reason): its label post, size, languages and examples.

    `id`: the label post's id, which names the group (the same posts give the same groups, so the same id);
    `ids`: every post of the group, newest first; `distinct`: how many distinct texts they hold (copies by
    `core.mention.dedup_key`); `theme`: the top-level theme at least half of its posts carry (the most carried),
    None when there is none; `related`: the other groups of that theme, largest first (shown or not)."""

    label: str
    count: int
    langs: dict[str, int]
    examples: list[Mention] = field(default_factory=list)
    id: str = ""
    ids: list[str] = field(default_factory=list)
    distinct: int = 0
    theme: str | None = None
    related: list[Group] = field(default_factory=list, repr=False, compare=False)  # they name this one too


@dataclass
class Recurring:
    """The groups of one intent in a view: `posts` clustered (of `total` tagged), `ungrouped` left alone;
    `groups`: the largest `n` of the `found` groups."""

    intent: str
    total: int
    posts: int
    ungrouped: int
    groups: list[Group]
    found: int = 0


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
    parents = aspect_parents(store, filters.brand)
    return group(mentions, total, intent, embeddings, min_count=min_count, n=n, examples=examples, text_of=text_of,
                 parents=parents)


def tagged_posts(store: Store, filters: Filters, intent: str, max_posts: int = MAX_POSTS) -> tuple[list[Mention], int]:
    """The newest `max_posts` posts of `filters` tagged `intent`, and how many there are in all (the store's part)."""
    tagged = filters.replace(intent=intent)
    page = store.search(tagged, size=max_posts, sort="newest")
    # A search's total can be a lower bound (SQLite stops at 10,000); a view's tagged posts are counted in full, as
    # on Elasticsearch (the FAQ's views have no text query: an indexed count).
    return [hit.mention for hit in page.hits], page.total if page.total_exact else store.count(tagged)


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
    parents: Mapping[str, str] | None = None,
) -> Recurring:
    """`recurring` on posts already read (the encoder's and clustering's part: no store access). `parents`: the
    brand's aspect -> theme labels (`nlp.theme_state.aspect_parents`); a label not in it is a top-level theme."""
    if not mentions:
        return Recurring(intent, total, 0, 0, [])
    vectors = embeddings.for_texts([text_of(m.text) for m in mentions])
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    labels = cluster(unit)
    members: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        members.setdefault(label, []).append(i)
    kept = [idx for idx in members.values() if len(idx) >= min_count]
    groups = [_group(mentions, unit, idx, examples, parents or {}) for idx in kept]
    groups.sort(key=lambda g: (-g.count, g.label))
    for g in groups:
        g.related = [o for o in groups if o is not g and g.theme is not None and o.theme == g.theme]
    grouped = sum(g.count for g in groups)
    return Recurring(intent, total, len(mentions), len(mentions) - grouped, groups[:n], found=len(groups))


def _group(mentions: list[Mention], unit: np.ndarray, idx: list[int], examples: int, parents: Mapping[str, str]
           ) -> Group:
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
    return Group(
        label=mentions[order[0]].text,
        count=len(idx),
        langs=dict(langs.most_common()),
        examples=picked,
        id=mentions[order[0]].id,
        ids=[mentions[i].id for i in idx],  # `mentions` come newest first, `idx` in their order
        distinct=len({dedup_key(mentions[i].text) for i in idx}),
        theme=_theme([mentions[i] for i in idx], parents),
    )


def _theme(posts: list[Mention], parents: Mapping[str, str]) -> str | None:
    """The top-level theme most of `posts` carry, if at least half carry it (ties: by name). A post carries its
    theme's label and its aspect's (issue 18): an aspect counts for its theme, as on the Themes page."""
    counts = Counter(t for m in posts for t in {parents.get(label, label) for label in m.themes})
    shared = [t for t, c in counts.items() if 2 * c >= len(posts)]
    return min(shared, key=lambda t: (-counts[t], t)) if shared else None
