"""Themes: what people talk about, per brand and window, as short labels with counts.

Posts are embedded with the same encoder as sentiment, joined with a TF-IDF vector of their
content words (the encoder's vocabulary is English-centric, words carry ko/zh topics), each
language's mean embedding moved onto the mean of all (nlp/theme_space.py), clustered
with seeded k-means per language group, merged without chains (nlp/theme_merge.py), split by
sentiment where a mixed theme is two topics, a top-level theme related to a bigger one nested under
it as an aspect (nlp/theme_merge.py `nest_pairs`), split again into aspects when big (a parent and
its children), and labelled by key phrases per language (nlp/theme_labels.py; c-TF-IDF words, as in
BERTopic, remain the keywords and the fallback label). Which stored themes rise is `nlp/trends.py`'s rule.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.mention import Mention
from nlp.embeddings import SentenceEmbeddings
from nlp.normalize import normalize as clean
from nlp.theme_centroids import Centroid, assign_paths, make_centroid, unfit_share
from nlp.theme_labels import MIXED, PhraseIndex, ScopeCounts
from nlp.theme_merge import MERGE_KEEP, alike, merge_mutual, nest_pairs
from nlp.theme_space import LanguageCentring
from nlp.tokenize import keyword_key, script_lang, tokenize

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
    parent: str | None = None  # the broad theme this one is an aspect of (None: top level)
    labels: dict[str, str] = field(default_factory=dict)  # key phrases per language, side by side
    merged: list[dict] = field(default_factory=list)  # the merges that built it (nlp/theme_merge.py)
    split: dict | None = None  # the sentiment split it came from (`_split_by_sentiment`)
    nested: dict | None = None  # why this top-level theme became an aspect (nlp.theme_merge.nest_pairs)

    def info(self) -> dict:
        """What the store keeps beside the centroid for dashboards and the API: parent, labels per
        language, sentiment mix, merges, split and nesting (empty parts left out)."""
        mix = {s: self.sentiment.get(s, 0) for s in ("negative", "neutral", "positive")}
        out = {"parent": self.parent, "labels": self.labels, "sentiment": mix, "merged": self.merged,
               "split": self.split, "nested": self.nested}
        return {k: v for k, v in out.items() if v}


def _embeddings(mentions: Sequence[Mention], progress: bool, known: SentenceEmbeddings | None):
    from sklearn.preprocessing import normalize

    known = known if known is not None else SentenceEmbeddings()
    # In place: for_texts' array is this call's own, and a copy of it is 1.5 KB a post (450 MB at 300,000).
    return normalize(known.for_texts([clean(m.text) for m in mentions], progress=progress), copy=False)


def _features(docs: list[list[str]], emb, words: bool = True):
    """Content-word TF-IDF joined with (down-weighted) sentence embeddings, rows L2-normalised.

    `words=False` (one group for every language): the sentence embeddings alone, since words of
    different languages never match and would split every topic by language again."""
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    if not words and emb is not None:
        return csr_matrix(emb)
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


# k-means runs on one OpenMP thread. scikit-learn's k-means adds each thread's partial centre sums
# together, so the sums (and from them the distances, the rows' order in a theme, and on a big
# window which post lands in which cluster) depend on how many threads ran: the GOP debate stream
# (tools/themes/evaluate.py) put 9,771 tweets in 101 themes on 2 threads, 9,792 in 103 on one.
# Seeded and on one thread, the same input gives the same themes on any machine's core count
# (a full k-means over 13,838 posts: 33 s on one thread, 39 s on two, 2 loaded cores).
KMEANS_THREADS = 1


def _cluster(x, n: int, max_k: int = 40):
    """Seeded k-means; k grows with the square root of the group size, at most `max_k`. Returns (labels, distances).

    Deterministic: the same `x` gives the same labels and distances whatever the thread count (KMEANS_THREADS)."""
    import numpy as np
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits  # lazy: scikit-learn's dependency, loaded with it

    distinct = len({tuple(row) for row in x.toarray().round(4)}) if n <= 5000 else n
    k = int(min(max(1, round(1.5 * np.sqrt(n / 2))), max_k, max(1, n // MIN_THEME_SIZE), distinct))
    if k == 1:
        return np.zeros(n, dtype=int), np.zeros((n, 1))
    with threadpool_limits(limits=KMEANS_THREADS, user_api="openmp"):
        km = KMeans(n_clusters=k, n_init=3, random_state=SEED).fit(x)
        return km.labels_, km.transform(x)


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
    cross_language: bool | None = None,
) -> list[Theme]:
    """The largest themes among `mentions`, biggest first, each followed by its children (see `_extract`)."""
    return _extract(mentions, max_themes, use_embeddings, stopwords, progress, embeddings, cross_language)[0]


# Every language clustered together: the sentence embeddings are multilingual-e5-small's (nlp/embeddings.py),
# so one crisis told in several languages can be one theme. Labels stay per language.
CROSS_LANGUAGE = True


def theme_group(m: Mention, cross_language: bool | None = None) -> str:
    """The group a post is clustered in: its language, or one group for all when `cross_language`
    (None: CROSS_LANGUAGE). Themes never mix groups; labels are per language either way."""
    if CROSS_LANGUAGE if cross_language is None else cross_language:
        return "all"
    return post_lang(m)


def post_lang(m: Mention) -> str:
    """A post's language for labels: its detected one, else its script's, else "other"."""
    return m.lang or script_lang(m.text) or "other"


@dataclass
class ThemeModel:
    """A full clustering with what incremental passes need (nlp/theme_centroids.py)."""

    themes: list[Theme]
    centroids: list[Centroid]
    unthemed: list[str]  # ids of the clustered posts in no theme
    baseline_unfit: float  # share of the clustered posts the centroids fit nowhere
    centring: LanguageCentring = field(default_factory=LanguageCentring)  # the space the centroids are in


def themes_with_centroids(
    mentions: Sequence[Mention], max_themes: int, stopwords: Sequence[str] = (), progress: bool = False,
    embeddings: SentenceEmbeddings | None = None, cross_language: bool | None = None,
) -> ThemeModel:
    """`extract_themes` with embeddings, plus each theme's centroid and fit radius (children's too)."""
    themes, ordered, emb, centring = _extract(mentions, max_themes, True, stopwords, progress, embeddings,
                                              cross_language)
    if emb is None:
        return ThemeModel(themes, [], [m.id for m in ordered], 0.0)
    row = {m.id: i for i, m in enumerate(ordered)}
    group = [theme_group(m, cross_language) for m in ordered]
    centroids = []
    for t in themes:
        c = make_centroid(t.label, [group[row[i]] for i in t.member_ids], emb[[row[i] for i in t.member_ids]])
        c.parent = t.parent
        c.info = t.info()
        centroids.append(c)
    themed = {i for t in themes for i in t.member_ids}
    baseline = unfit_share([path[0] if path else None for path in assign_paths(centroids, emb, group)])
    return ThemeModel(themes, centroids, [m.id for m in ordered if m.id not in themed], baseline, centring)


def _extract(
    mentions: Sequence[Mention], max_themes: int, use_embeddings: bool,
    stopwords: Sequence[str], progress: bool, embeddings: SentenceEmbeddings | None,
    cross_language: bool | None = None,
):
    """(the largest themes among `mentions` biggest first, each followed by its children; the
    mentions by id; their embeddings in the themes' space or None; that space's
    `LanguageCentring`). Deterministic for the same input.

    Posts are clustered per group (`theme_group`: per language by default), merged without chains
    (nlp/theme_merge.py), mixed-sentiment themes split where the halves hold together
    (`_split_by_sentiment`), related top-level themes nested under bigger ones (`_nest`), big themes
    split into aspects (`_children`), and every theme labelled
    by its key phrases per language (nlp/theme_labels.py). `stopwords`: extra words never used in
    labels (e.g. the brand's name). `progress`: a bar on stderr while posts are embedded.
    `embeddings`: sentence embeddings the sentiment step kept for these texts in this process.
    """
    mentions = sorted(mentions, key=lambda m: m.id)  # input order must not change the result
    if len(mentions) < MIN_THEME_SIZE:
        return [], mentions, None, LanguageCentring()
    docs = _tokens(mentions)
    emb, centring = None, LanguageCentring()
    if use_embeddings:  # language means aligned (nlp/theme_space.py): a topic, not a script, joins posts
        emb = _embeddings(mentions, progress, embeddings)
        langs = [post_lang(m) for m in mentions]
        centring = LanguageCentring.fit(emb, langs)
        emb = centring.apply(emb, langs)
    stop = label_exclusions(stopwords)
    index = PhraseIndex([m.text for m in mentions], [post_lang(m) for m in mentions], frozenset(stop))
    every = CROSS_LANGUAGE if cross_language is None else cross_language
    groups: dict[str, list[int]] = {}
    for i, m in enumerate(mentions):
        groups.setdefault(theme_group(m, every), []).append(i)
    nodes: list[_Node] = []
    for _group, idx in sorted(groups.items()):
        if len(idx) >= MIN_THEME_SIZE:
            nodes += _group_nodes(np.asarray(idx), docs, emb, stop, mentions, every)
    _label(nodes, index)
    return _themes(nodes, max_themes, mentions), mentions, emb, centring


def _tokens(mentions: Sequence[Mention]) -> list[list[str]]:
    """Each post's content words (`tokenize`), read-only. A text is tokenized once however many posts repeat it
    (retweets, templates: Korean through Kiwi was most of a full pass's own time), and every word is one string
    object (a word's copy in every post was most of these lists' memory)."""
    done: dict[tuple[str, str | None], list[str]] = {}
    out = []
    for m in mentions:
        key = (m.text, m.lang)
        if key not in done:
            done[key] = [sys.intern(w) for w in tokenize(m.text, m.lang)]
        out.append(done[key])
    return out


def label_exclusions(stopwords: Sequence[str]) -> set[str]:
    """The words labels never use: each stopword, and each word of a multi-word one (the brand "GOP debate"),
    keyed as theme words are (`keyword_key`: the brand "Yıldız" leaves out the word yildiz)."""
    return {w for s in stopwords for key in (keyword_key(s),) for w in (key, *key.split())}


@dataclass
class _Node:
    """A cluster on its way to a theme: row indexes into the sorted mentions, nearest-to-centre first."""

    rows: np.ndarray
    keywords: list[str] = field(default_factory=list)
    merged: list[dict] = field(default_factory=list)
    split: dict | None = None
    scope: np.ndarray | None = None  # the posts it is labelled against (its group, or its parent's)
    half: str = ""  # "negative"/"positive" for a sentiment half
    local: np.ndarray | None = None  # its rows' indexes in its group's feature matrix
    children: list[_Node] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    nested: dict | None = None  # the nesting that made this top-level cluster an aspect
    distinct: list[str] | None = None  # its keywords that set it apart from its scope (`_label`; None: not judged)


def _group_nodes(idx, docs, emb, stop, mentions, every_language: bool = False) -> list[_Node]:
    """One clustering group's top-level clusters (merged, split by sentiment, related ones nested),
    with their children."""
    group_docs = [docs[i] for i in idx]
    x = _features(group_docs, None if emb is None else emb[idx], words=not every_language)
    labels, dist = _cluster(x, len(idx))
    names = [" · ".join(k[:LABEL_WORDS]) for k in _c_tf_idf(group_docs, labels, int(labels.max()) + 1, stop)]
    labels, dist, merges = merge_mutual(x, labels, dist, names)
    keywords = _c_tf_idf(group_docs, labels, int(labels.max()) + 1, stop, _related(x, labels))
    parts = []
    for c in range(int(labels.max()) + 1):
        local = np.flatnonzero(labels == c)
        if len(local) < MIN_THEME_SIZE or not keywords[c]:
            continue
        local = local[np.argsort(dist[local, c], kind="stable")]
        parts += _split_by_sentiment(_Node(idx[local], keywords[c], merges[c], scope=idx, local=local), x, mentions)
    top = _nest(parts, x, mentions)
    for node in top:  # aspects of its own posts, in the places the nested themes left
        nested = node.children
        node.children = _children(node, x, docs, stop, MAX_CHILDREN - len(nested)) + nested
        _join(node, nested)
    return top


MAX_NESTED = 4  # top-level themes nested into one parent: half its aspects, the rest its own posts'


def _nest(nodes: list[_Node], x, mentions: Sequence[Mention]) -> list[_Node]:
    """The top-level nodes left after nesting (nlp.theme_merge.nest_pairs), each nested node a
    child of its parent (whose rows are not joined yet: `_join`). Nesting comes before aspects are
    made, so a theme's own aspects never keep it from nesting; a nested theme gets no aspects (one
    level); a parent takes at most MAX_NESTED nested themes.

    Never nested into each other: the halves of a sentiment split (told apart on purpose), and two
    themes whose most frequent sentiment differs: the aspect's posts would carry a label that says
    the opposite ("tried · wondering" questions under "best purchase" praise)."""
    names = [" · ".join(n.keywords[:LABEL_WORDS]) for n in nodes]
    mood = [_mood(n, mentions) for n in nodes]
    apart = {frozenset((i, j)) for i, a in enumerate(nodes) for j, b in enumerate(nodes)
             if i < j and ((a.split is not None and a.split is b.split) or mood[i] != mood[j])}
    found = nest_pairs(x, [n.local for n in nodes], names, MAX_NESTED, apart)
    for a, p, record in found:
        nodes[a].nested = record
        nodes[p].children.append(nodes[a])
    gone = {a for a, _, _ in found}
    return [n for i, n in enumerate(nodes) if i not in gone]


def _mood(node: _Node, mentions: Sequence[Mention]) -> str:
    """A node's most frequent sentiment label ("" for unscored posts); ties: the first by name."""
    mix = Counter(_sentiment_of(mentions[i]) for i in node.rows)
    return min(mix.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _join(parent: _Node, nested: list[_Node]) -> None:
    """The nested themes' posts are the parent's too (they carry its label; its count includes them)."""
    if nested:
        parent.rows = np.concatenate([parent.rows, *(c.rows for c in nested)])
        parent.local = np.concatenate([parent.local, *(c.local for c in nested)])


SPLIT_SHARE = 0.3  # a theme is mixed when both its negative and its positive posts are at least 30%


def _sentiment_of(m: Mention) -> str:
    """A post's sentiment label, "" when it has none (not enriched)."""
    return m.sentiment.label if m.sentiment else ""


def _split_by_sentiment(node: _Node, x, mentions: Sequence[Mention]) -> list[_Node]:
    """A mixed theme as its negative and positive halves when they are two topics by the merge rule
    (nlp.theme_merge.alike says no): "battery praise" and "battery fire". Neutral and unscored posts
    go to the nearer half. Else the theme as it is."""
    from sklearn.preprocessing import normalize

    sentiment = [_sentiment_of(mentions[i]) for i in node.rows]
    neg = np.array([s == "negative" for s in sentiment])
    pos = np.array([s == "positive" for s in sentiment])
    n = len(node.rows)
    if min(neg.sum(), pos.sum()) < max(SPLIT_SHARE * n, MIN_THEME_SIZE):
        return [node]
    rows = normalize(x[node.local])
    s_neg, s_pos = np.asarray(rows[neg].sum(axis=0)).ravel(), np.asarray(rows[pos].sum(axis=0)).ravel()
    same, c_neg, c_pos, own = alike(float(s_neg @ s_pos), float(s_neg @ s_neg), int(neg.sum()),
                                    float(s_pos @ s_pos), int(pos.sum()))
    if same:
        return [node]
    rest = ~(neg | pos)
    nearer_pos = np.asarray(rows @ (s_pos / pos.sum() - s_neg / neg.sum())).ravel() > 0
    link = float(s_neg @ s_pos) / (neg.sum() * pos.sum())
    record = {
        "from": " · ".join(node.keywords[:LABEL_WORDS]), "negative": int(neg.sum()), "positive": int(pos.sum()),
        "similarity": round(link, 3), "cohesion": [round(c_neg, 3), round(c_pos, 3)],
        "why": f"mixed: {neg.sum() / n:.0%} negative, {pos.sum() / n:.0%} positive (both >= {SPLIT_SHARE:.0%}); "
               f"the halves are {link:.2f} alike across, below {MERGE_KEEP} x their own {own:.2f}",
    }
    halves = []
    for name, keep in (("negative", neg | (rest & ~nearer_pos)), ("positive", pos | (rest & nearer_pos))):
        halves.append(_Node(node.rows[keep], node.keywords, node.merged, record, node.scope, name,
                            local=node.local[keep]))
    return halves


CHILD_MIN_POSTS = 100  # a smaller theme is already specific: no aspects below it
MAX_CHILDREN = 8  # aspects a person can read at a glance
CHILD_MIN_SHARE = 0.02  # an aspect holds at least 2% of its theme's posts


def _children(node: _Node, x, docs, stop: set[str], most: int = MAX_CHILDREN) -> list[_Node]:
    """A big theme's aspects (flight -> delays, cancellations, baggage): its posts clustered again
    into at most `most`, merged by the same rule; none unless at least two aspects come out."""
    if len(node.rows) < CHILD_MIN_POSTS or most < 2:
        return []
    sub_docs = [docs[i] for i in node.rows]
    sub = x[node.local]
    labels, dist = _cluster(sub, len(node.rows), most)
    k = int(labels.max()) + 1
    if k < 2:
        return []
    names = [" · ".join(w[:LABEL_WORDS]) for w in _c_tf_idf(sub_docs, labels, k, stop)]
    labels, dist, merges = merge_mutual(sub, labels, dist, names)
    k = int(labels.max()) + 1
    keywords = _c_tf_idf(sub_docs, labels, k, stop)
    kids = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members) < max(MIN_THEME_SIZE, CHILD_MIN_SHARE * len(node.rows)) or not keywords[c]:
            continue
        members = members[np.argsort(dist[members, c], kind="stable")]
        kids.append(_Node(node.rows[members], keywords[c], merges[c], scope=node.rows, local=node.local[members]))
    return kids if len(kids) >= 2 else []


def _label(nodes: list[_Node], index: PhraseIndex) -> None:
    """Each node's (and child's) labels per language, against its scope; a sentiment half adds what
    sets it apart from the other half."""
    counts: dict[int, ScopeCounts] = {}

    def scope_counts(rows: np.ndarray) -> ScopeCounts:
        if id(rows) not in counts:
            counts[id(rows)] = index.count(rows)
        return counts[id(rows)]

    for node in nodes:
        if node.half:
            whole = np.concatenate([n.rows for n in nodes if n.split is node.split])
            base = index.labels(whole, scope_counts(node.scope))
            pair = index.count(whole)
            node.labels = {}
            for lang, text in base.items():
                mine = [i for i in node.rows if index.langs[i] == lang]
                extra = [p for p in index.phrases(mine, pair) if p not in text]
                node.labels[lang] = f"{text} · {extra[0] if extra else node.half}"
        else:
            node.labels = index.labels(node.rows, scope_counts(node.scope))
        node.distinct = index.distinct_words(node.rows, scope_counts(node.scope), node.keywords)
        for child in node.children:
            child.labels = index.labels(child.rows, scope_counts(node.rows))
            child.distinct = index.distinct_words(child.rows, scope_counts(node.rows), child.keywords)


def _display(node: _Node) -> str:
    """The label shown: the largest language's key phrases, else the c-TF-IDF words that set the theme
    apart (nlp.theme_labels.MIN_WORD_LIFT), else MIXED."""
    if node.labels:
        return next(iter(node.labels.values()))
    return _words(node) or MIXED


def _words(node: _Node) -> str:
    """The c-TF-IDF words that set the node apart (all of them when `_label` never judged it)."""
    return " · ".join((node.keywords if node.distinct is None else node.distinct)[:LABEL_WORDS])


def _themes(nodes: list[_Node], max_themes: int, mentions: Sequence[Mention]) -> list[Theme]:
    """The `max_themes` largest top-level themes, biggest first, each followed by its children."""
    ranked = sorted(nodes, key=lambda n: (-len(n.rows), _display(n)))[:max_themes]
    used: set[str] = set()
    out: list[Theme] = []
    for node in ranked:
        parent = _theme(node, None, used, mentions)
        out.append(parent)
        for child in sorted(node.children, key=lambda n: (-len(n.rows), _display(n))):
            out.append(_theme(child, parent.label, used, mentions))
    return out


def _theme(node: _Node, parent: str | None, used: set[str], mentions: Sequence[Mention]) -> Theme:
    """A node as a Theme; its label made unique among the themes so far (labels name themes)."""
    label = _display(node)
    if label in used and _words(node):  # the distinct c-TF-IDF words, then the parent's label, tell it apart
        label = _words(node)
    if label in used and parent is not None:
        label = f"{parent} › {label}"
    base, n = label, 2
    while label in used:
        label, n = f"{base} ({n})", n + 1
    used.add(label)
    members = [mentions[i] for i in node.rows]
    theme = Theme(label=label, keywords=node.keywords, count=len(members), parent=parent,
                  labels=dict(node.labels), merged=node.merged, split=node.split, nested=node.nested,
                  sample_ids=[m.id for m in members[:3]], member_ids=[m.id for m in members])
    for m in members:
        if m.sentiment is not None:
            theme.sentiment[m.sentiment.label] = theme.sentiment.get(m.sentiment.label, 0) + 1
        lang = m.lang or "unknown"
        theme.langs[lang] = theme.langs.get(lang, 0) + 1
    return theme
