"""Joining k-means clusters that are one topic, without chains: mutual nearest pairs, average linkage.

k-means with k ~ sqrt(n) splits a big topic by phrasing (the same complaint in four wordings is
four clusters). The old rule joined every pair of clusters whose *centroids* had cosine >= 0.5,
transitively: on a one-topic corpus (every debate tweet says "trump"), most pairs pass and 40
clusters became 1. Here a pair is joined only when

- each is the other's nearest cluster by *average linkage* (the mean cosine between a post of
  one and a post of the other), recomputed after every merge, so a grown cluster is compared by
  all its posts, not by a centroid pulled toward the corpus mean;
- the posts across the pair are at least half as alike as the posts within each part
  (linkage >= MERGE_KEEP x the parts' own mean pairwise similarity, weighted by size): two
  phrasings of one complaint, not two topics that share the corpus' words. MERGE_KEEP was set
  on the synthetic multilingual set of tests/nlp/test_nlp_themes.py (same-topic pairs of
  k-means clusters: 0.55-0.70 of their own similarity; topic vs everyday talk: 0.27-0.37),
  never on a gold-labelled stream; and
- the merged cluster holds at most MAX_MERGED_SHARE of the group's posts (or MERGED_FLOOR
  posts, whichever is more: in a language group of 30 posts a share cap would forbid any merge,
  and a theme of 50 posts is no catch-all).

Each merge is recorded (the parts, their sizes, the linkage and cohesions, why) for the theme.

Nesting (`nest_pairs`), after merging and the sentiment split: a top-level theme *related but
distinct* from a bigger one becomes its aspect instead of a sibling. The pair must be mutual
nearest top-level themes by the same average linkage, and the posts across it at least NEST_KEEP
x as alike as the posts within (NEST_KEEP < MERGE_KEEP: related, not one topic). There is no share
cap, since nesting builds no catch-all: both keep their own posts and labels, the parent's count
includes the aspect's posts. It is one level and not transitive: a parent is always compared by
its own posts (never the ones nested into it), a nested theme leaves the candidates, a theme that
took one never nests into another, and a parent takes at most `most` nested themes. Each nesting
is recorded for the aspect like a merge.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MERGE_KEEP = 0.5  # across the pair, posts must be at least half as alike as within the parts
MAX_MERGED_SHARE = 0.2  # no merge builds a cluster over a fifth of its group's posts...
MERGED_FLOOR = 50  # ...unless it stays this small
# Related but distinct: posts across a mutual-nearest pair at least this share of their own similarity.
# Set on the synthetic set of tests/nlp/test_nlp_themes.py clustered per language (TF-IDF words and
# embeddings), where its topics are apart: unrelated mutual-nearest pairs (topic vs everyday talk,
# everyday talk vs everyday talk) reach 0.34-0.41, one pair of everyday talk 0.49. Limit: in the
# default every-language group (e5 embeddings alone) any two themes are 0.9+ of their own similarity
# (the demo's, the synthetic set's), so there nesting is decided by mutual nearness, one level,
# `most` and nlp/themes.py's sentiment guard, not by this ratio (nor is merging by MERGE_KEEP).
NEST_KEEP = 0.45


def _sums(x, assign: np.ndarray, k: int) -> np.ndarray:
    """Per cluster the sum of its (unit) rows, k x d dense."""
    from scipy.sparse import csr_matrix

    n = len(assign)
    onehot = csr_matrix((np.ones(n), (assign, np.arange(n))), shape=(k, n))
    out = onehot @ x
    return np.asarray(out.toarray() if hasattr(out, "toarray") else out)


def _cohesion(gram: float, n: int) -> float:
    """Mean cosine between distinct posts of a cluster from the squared norm of its row sum."""
    return (gram - n) / (n * (n - 1)) if n > 1 else 1.0


def merge_mutual(x, assign: np.ndarray, dist: np.ndarray, names: Sequence[str]):
    """(assign, dist, merges) after joining mutual-nearest clusters as the module docstring says.

    `x`: the rows (L2-normalised here), `assign`: k-means cluster per row, `dist`: distance of each
    row to each cluster, `names`: a short name per k-means cluster (for the record). `merges[c]`:
    the merges that built new cluster c, in order, as dicts ready for JSON.
    """
    from sklearn.preprocessing import normalize

    x = normalize(x)
    k = int(assign.max()) + 1
    total = len(assign)
    sums = _sums(x, assign, k)
    size = np.bincount(assign, minlength=k).astype(float)
    alive = list(range(k))
    owner = list(range(k))  # k-means cluster -> cluster it is now part of
    name = list(names)
    merges: dict[int, list[dict]] = {c: [] for c in range(k)}
    while len(alive) > 1:
        pair = _best_pair(sums, size, alive, total)
        if pair is None:
            break
        a, b, record = pair
        record["parts"] = [name[a], name[b]]
        sums[a] += sums[b]
        size[a] += size[b]
        merges[a] = merges[a] + merges[b] + [record]
        name[a] = name[a] if record["sizes"][0] >= record["sizes"][1] else name[b]
        alive.remove(b)
        owner = [a if o == b else o for o in owner]
    new_id = {c: i for i, c in enumerate(alive)}
    mapping = np.array([new_id[owner[c]] for c in range(k)])
    new_dist = np.full((dist.shape[0], len(alive)), np.inf)
    for c in range(k):  # distance to a merged cluster: the nearest of its parts
        new_dist[:, mapping[c]] = np.minimum(new_dist[:, mapping[c]], dist[:, c])
    return mapping[assign], new_dist, [merges[c] for c in alive]


def _mutual_pairs(sums: np.ndarray, size: np.ndarray, alive: list[int]):
    """(gram, sizes, pairs) of the `alive` clusters: gram[i, j] = sum_i . sum_j, and the mutual-nearest
    pairs by average linkage as (linkage, i, j), i < j, most similar first (i, j index `alive`)."""
    s = sums[alive]
    gram = s @ s.T
    n = size[alive]
    link = gram / np.outer(n, n)
    np.fill_diagonal(link, -np.inf)
    nearest = link.argmax(axis=1)
    pairs = sorted(
        ((float(link[i, j]), i, j) for i, j in enumerate(nearest) if nearest[j] == i and i < j), reverse=True
    )
    return gram, n, pairs


def _best_pair(sums: np.ndarray, size: np.ndarray, alive: list[int], total: int):
    """The most similar mutual-nearest pair that passes the rule, with its record; None when none does."""
    gram, n, pairs = _mutual_pairs(sums, size, alive)
    for sim, i, j in pairs:
        same, ci, cj, own = alike(gram[i, j], gram[i, i], int(n[i]), gram[j, j], int(n[j]))
        share = (n[i] + n[j]) / total
        if same and (share <= MAX_MERGED_SHARE or n[i] + n[j] <= MERGED_FLOOR):
            record = {
                "sizes": [int(n[i]), int(n[j])], "similarity": round(sim, 3),
                "cohesion": [round(ci, 3), round(cj, 3)],
                "why": f"mutual nearest clusters; posts across them {sim:.2f} alike on average, "
                       f">= {MERGE_KEEP} x their own {own:.2f}; merged: {share:.0%} of the posts "
                       f"(cap {MAX_MERGED_SHARE:.0%} or {MERGED_FLOOR} posts)",
            }
            return alive[i], alive[j], record
    return None


def alike(cross: float, gram_a: float, n_a: int, gram_b: float, n_b: int,
          keep: float = MERGE_KEEP) -> tuple[bool, float, float, float]:
    """Whether two sets of unit rows are one topic: (same, cohesion a, cohesion b, their weighted mean).

    `cross`: sum_a . sum_b, `gram_x`: |sum_x|^2 (row sums of the sets). Same when the posts across
    are on average at least `keep` (MERGE_KEEP) times as alike as the posts within (the merge rule;
    the sentiment split is its converse; with NEST_KEEP, the nesting rule's "related")."""
    ca, cb = _cohesion(gram_a, n_a), _cohesion(gram_b, n_b)
    own = (n_a * ca + n_b * cb) / (n_a + n_b)
    return cross / (n_a * n_b) >= keep * own, ca, cb, own


def nest_pairs(x, members: Sequence[np.ndarray], names: Sequence[str], most: int,
               apart: set[frozenset[int]] = frozenset()) -> list[tuple[int, int, dict]]:
    """(aspect, parent, record) for the top-level themes that nest, in order, as the module docstring says.

    `x`: the group's rows, `members[t]`: theme t's own rows in `x`, `names[t]`: its name for the
    record, `most`: nested themes a parent takes, `apart`: pairs that never nest (the halves of a
    sentiment split: two topics by the merge rule's converse, told apart on purpose)."""
    from sklearn.preprocessing import normalize

    x = normalize(x)
    sums = np.vstack([np.asarray(x[rows].sum(axis=0)).ravel() for rows in members]) if members else None
    size = np.array([len(rows) for rows in members], dtype=float)
    can, room = [True] * len(members), [most] * len(members)
    alive = list(range(len(members)))
    out: list[tuple[int, int, dict]] = []
    while len(alive) > 1:
        gram, n, pairs = _mutual_pairs(sums, size, alive)
        found = None
        for sim, i, j in pairs:
            small, big = (j, i) if (n[i], -i) > (n[j], -j) else (i, j)  # the smaller one nests; ties: the later
            a, p = alive[small], alive[big]
            if not can[a] or room[p] < 1 or frozenset((a, p)) in apart:
                continue
            related, ci, cj, own = alike(gram[i, j], gram[i, i], int(n[i]), gram[j, j], int(n[j]), NEST_KEEP)
            if related:
                c_a, c_p = (ci, cj) if small == i else (cj, ci)
                found = a, p, {
                    "into": names[p], "sizes": [int(size[a]), int(size[p])], "similarity": round(sim, 3),
                    "cohesion": [round(float(c_a), 3), round(float(c_p), 3)],
                    "why": f"mutual nearest top-level themes; posts across them {sim:.2f} alike on average, "
                           f">= {NEST_KEEP} x their own {own:.2f} (related; one topic needs {MERGE_KEEP} x): "
                           f"the smaller is an aspect of the bigger, both keep their posts and labels",
                }
                break
        if found is None:
            break
        a, p, record = found
        out.append(found)
        alive.remove(a)
        can[p], room[p] = False, room[p] - 1
    return out
