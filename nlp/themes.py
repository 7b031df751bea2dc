"""Themes: what people talk about, per brand and window, as short labels with counts.

Posts are embedded with the same MiniLM encoder as sentiment, joined with a TF-IDF vector of
their content words (the encoder's vocabulary is English-centric, words carry ko/zh topics),
clustered with seeded k-means, and each cluster is labelled by its most distinctive words
(class-based TF-IDF, as in BERTopic). Which stored themes rise is `nlp/trends.py`'s rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.mention import Mention
from nlp.embeddings import SentenceEmbeddings
from nlp.normalize import normalize as clean
from nlp.theme_centroids import Centroid, assign, make_centroid, unfit_share
from nlp.tokenize import script_lang, tokenize

SEED = 13
MIN_THEME_SIZE = 3
KEYWORDS_PER_THEME = 5
LABEL_WORDS = 3


@dataclass
class Theme:
    """A cluster of posts with a human-readable label."""

    label: str
    keywords: list[str]
    count: int
    sentiment: dict[str, int] = field(default_factory=dict)
    sample_ids: list[str] = field(default_factory=list)
    member_ids: list[str] = field(default_factory=list)
    langs: dict[str, int] = field(default_factory=dict)


def _embeddings(mentions: Sequence[Mention], progress: bool, known: SentenceEmbeddings | None):
    from sklearn.preprocessing import normalize

    known = known if known is not None else SentenceEmbeddings()
    return normalize(known.for_texts([clean(m.text) for m in mentions], progress=progress))


def _features(docs: list[list[str]], emb):
    """Content-word TF-IDF joined with (down-weighted) sentence embeddings, rows L2-normalised."""
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    vec = TfidfVectorizer(analyzer=lambda d: d, min_df=2, sublinear_tf=True)
    try:
        words = vec.fit_transform(docs)
    except ValueError:  # no word occurs twice: nothing to cluster on but the embeddings
        words = csr_matrix((len(docs), 0))
    parts = [normalize(words)]
    if emb is not None:
        parts.append(csr_matrix(emb * np.float32(0.8)))
    return hstack(parts, format="csr")


def _c_tf_idf(docs: list[list[str]], assign, k: int, stop: set[str], related=None) -> list[list[str]]:
    """Top words per cluster by class-based TF-IDF: frequent in the cluster, rare in the others.

    `related[c]`: clusters close to c (e.g. other phrasings of the same complaint). Their use of a
    word does not count against it for c, so the topic word they share can label each of them.
    """
    import math

    tf = [Counter() for _ in range(k)]
    doc_freq = [Counter() for _ in range(k)]
    for doc, c in zip(docs, assign, strict=True):
        tf[c].update(doc)
        doc_freq[c].update(set(doc))
    total = Counter()
    for counter in tf:
        total.update(counter)
    avg_words = sum(total.values()) / max(k, 1)
    sizes = Counter(int(c) for c in assign)
    out = []
    for c in range(k):
        words_in_c = sum(tf[c].values()) or 1
        siblings = [d for d in (related[c] if related is not None else ()) if d != c]
        scored = [
            (tf[c][w] / words_in_c * math.log(1 + avg_words / max(1, total[w] - sum(tf[d][w] for d in siblings))), w)
            for w in tf[c]
            if w not in stop and doc_freq[c][w] >= max(2, 0.1 * sizes[c])
        ]
        scored.sort(key=lambda sw: (-sw[0], sw[1]))
        out.append([w for _, w in scored[:KEYWORDS_PER_THEME]])
    return out


def _cluster(x, n: int):
    """Seeded k-means; k grows with the square root of the group size. Returns (labels, distances)."""
    import numpy as np
    from sklearn.cluster import KMeans

    distinct = len({tuple(row) for row in x.toarray().round(4)}) if n <= 5000 else n
    k = int(min(max(1, round(1.5 * np.sqrt(n / 2))), 40, max(1, n // MIN_THEME_SIZE), distinct))
    if k == 1:
        return np.zeros(n, dtype=int), np.zeros((n, 1))
    km = KMeans(n_clusters=k, n_init=3, random_state=SEED).fit(x)
    return km.labels_, km.transform(x)


MERGE_SIMILARITY = 0.5  # on the demo, 0.4 starts joining a crisis with everyday talk of the same product


def _merge_similar(x, assign, dist):
    """Join k-means clusters whose centroids point the same way (cosine >= MERGE_SIMILARITY).

    k-means with k ~ sqrt(n) splits one big topic by phrasing (the same complaint in four
    wordings becomes four clusters); labelled separately, each gets its phrasing's odd words and
    the topic word they share is penalised as "not distinctive". Merged, the shared word wins.
    """
    import numpy as np

    k = int(assign.max()) + 1
    if k == 1:
        return assign, dist
    sim = _centroid_similarity(x, assign)
    parent = list(range(k))

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for a in range(k):
        for b in range(a + 1, k):
            if sim[a, b] >= MERGE_SIMILARITY:
                parent[max(root(a), root(b))] = min(root(a), root(b))
    roots = sorted({root(c) for c in range(k)})
    if len(roots) == k:
        return assign, dist
    new_id = {r: i for i, r in enumerate(roots)}
    mapping = np.array([new_id[root(c)] for c in range(k)])
    merged = mapping[assign]
    # Distance to a merged cluster: the nearest of its parts (members stay ordered by closeness).
    new_dist = np.full((dist.shape[0], len(roots)), np.inf)
    for c in range(k):
        new_dist[:, mapping[c]] = np.minimum(new_dist[:, mapping[c]], dist[:, c])
    return merged, new_dist


RELATED_SIMILARITY = 0.25


def _related(x, assign) -> list[list[int]]:
    """For each cluster, the clusters whose centroids are at least RELATED_SIMILARITY alike."""
    import numpy as np

    sim = _centroid_similarity(x, assign)
    return [[int(d) for d in np.flatnonzero(row >= RELATED_SIMILARITY)] for row in sim]


def _centroid_similarity(x, assign):
    """Cosine similarity between the clusters' centroids (k x k)."""
    import numpy as np
    from sklearn.preprocessing import normalize

    k = int(assign.max()) + 1
    centroids = normalize(np.vstack([np.asarray(x[assign == c].mean(axis=0)) for c in range(k)]))
    return centroids @ centroids.T


def extract_themes(
    mentions: Sequence[Mention], max_themes: int = 10, use_embeddings: bool = True,
    stopwords: Sequence[str] = (), progress: bool = False, embeddings: SentenceEmbeddings | None = None,
) -> list[Theme]:
    """The largest themes among `mentions`, biggest first (see `_extract`)."""
    return _extract(mentions, max_themes, use_embeddings, stopwords, progress, embeddings)[0]


def theme_group(m: Mention) -> str:
    """The language group a post is clustered in: themes never mix groups' words."""
    return m.lang or script_lang(m.text) or "other"


@dataclass
class ThemeModel:
    """A full clustering with what incremental passes need (nlp/theme_centroids.py)."""

    themes: list[Theme]
    centroids: list[Centroid]
    unthemed: list[str]  # ids of the clustered posts in no theme
    baseline_unfit: float  # share of the clustered posts the centroids fit nowhere


def themes_with_centroids(
    mentions: Sequence[Mention], max_themes: int, stopwords: Sequence[str] = (), progress: bool = False,
    embeddings: SentenceEmbeddings | None = None,
) -> ThemeModel:
    """`extract_themes` with embeddings, plus each theme's centroid and fit radius."""
    themes, ordered, emb = _extract(mentions, max_themes, True, stopwords, progress, embeddings)
    if emb is None:
        return ThemeModel(themes, [], [m.id for m in ordered], 0.0)
    row = {m.id: i for i, m in enumerate(ordered)}
    group = [theme_group(m) for m in ordered]
    centroids = [
        make_centroid(t.label, [group[row[i]] for i in t.member_ids], emb[[row[i] for i in t.member_ids]])
        for t in themes
    ]
    themed = {i for t in themes for i in t.member_ids}
    baseline = unfit_share(assign(centroids, emb, group))
    return ThemeModel(themes, centroids, [m.id for m in ordered if m.id not in themed], baseline)


def _extract(
    mentions: Sequence[Mention], max_themes: int, use_embeddings: bool,
    stopwords: Sequence[str], progress: bool, embeddings: SentenceEmbeddings | None,
):
    """(the largest themes among `mentions` biggest first, the mentions by id, their unit embeddings
    or None). Deterministic for the same input.

    Posts are clustered per language (words and embeddings of different languages do not
    mix anyway), so a topic discussed in five languages gives up to five themes, each labelled
    in its own language. `stopwords`: extra words never used as labels (e.g. the brand's name).
    `progress`: a bar on stderr while posts are embedded. `embeddings`: sentence embeddings the
    sentiment step kept for these texts in this process (nlp/embeddings.py); the rest are encoded.
    """
    import numpy as np

    mentions = sorted(mentions, key=lambda m: m.id)  # input order must not change the result
    if len(mentions) < MIN_THEME_SIZE:
        return [], mentions, None
    docs = [tokenize(m.text, m.lang) for m in mentions]
    emb = _embeddings(mentions, progress, embeddings) if use_embeddings else None
    stop = {s.lower() for s in stopwords}
    groups: dict[str, list[int]] = {}
    for i, m in enumerate(mentions):
        groups.setdefault(theme_group(m), []).append(i)

    themes: dict[str, Theme] = {}
    for _lang, idx in sorted(groups.items()):
        if len(idx) < MIN_THEME_SIZE:
            continue
        group_docs = [docs[i] for i in idx]
        x = _features(group_docs, None if emb is None else emb[idx])
        assign, dist = _cluster(x, len(idx))
        assign, dist = _merge_similar(x, assign, dist)
        k = int(assign.max()) + 1
        keywords = _c_tf_idf(group_docs, assign, k, stop, _related(x, assign))
        for c in range(k):
            members = np.flatnonzero(assign == c)
            if len(members) < MIN_THEME_SIZE or not keywords[c]:
                continue
            _add(themes, keywords[c], [mentions[idx[j]] for j in members[np.argsort(dist[members, c], kind="stable")]])
    ranked = sorted(themes.values(), key=lambda t: (-t.count, t.label))
    return ranked[:max_themes], mentions, emb


def _add(themes: dict[str, Theme], keywords: list[str], members: list[Mention]) -> None:
    """Add a cluster (members nearest-to-centre first) to the theme with its label, or a new one."""
    label = " · ".join(keywords[:LABEL_WORDS])
    theme = themes.get(label)
    if theme is None:  # k-means may split one topic in two: merge clusters sharing 2 label words
        top = set(keywords[:LABEL_WORDS])
        theme = next((t for t in themes.values() if len(top & set(t.keywords[:LABEL_WORDS])) >= 2), None)
    if theme is None:
        theme = themes[label] = Theme(label=label, keywords=keywords, count=0)
    theme.count += len(members)
    theme.member_ids += [m.id for m in members]
    theme.sample_ids = (theme.sample_ids + [m.id for m in members[:3]])[:3]
    for m in members:
        if m.sentiment is not None:
            theme.sentiment[m.sentiment.label] = theme.sentiment.get(m.sentiment.label, 0) + 1
        lang = m.lang or "unknown"
        theme.langs[lang] = theme.langs.get(lang, 0) + 1
