"""Theme names that stay put: a re-clustering's themes keep the labels of the stored themes they continue.

As BERTopic aligns the topics of two models, a new cluster is matched to a stored theme by the posts
they share. Only posts already stored under the brand's themes are compared (new posts cannot tell
one clustering from the other): a new theme T continues a stored theme O when the Jaccard similarity
of O's posts and T's stored posts is at least MATCH_MIN, one to one, greedy by that similarity (then by
posts shared, then by label, so ties are settled the same way every time). Top-level themes are matched
to top-level themes, aspects to aspects.

- A matched theme takes the stored label (and, language by language, the stored key phrases).
- A theme split in two: the part most like it (usually the largest) keeps the name, the rest are new.
- Two themes merged: the merged theme keeps the name of the one it is most like, the other's retires.
- A genuinely new cluster keeps its own new label, made unique against the labels carried over.

History is not rewritten needlessly (`path`): a stored post whose theme lives on keeps it, even when
k-means put it in another cluster this time; only posts whose theme retired, new posts and posts in
no theme take the new clustering's place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

MATCH_MIN = 0.3  # Jaccard of stored posts: a third split off still leaves the name with the rest


def match(old: Mapping[str, set[str]], new: Mapping[str, Sequence[str]], minimum: float = MATCH_MIN) -> dict[str, str]:
    """New label -> the stored label it continues: one to one, greedy by the Jaccard similarity of
    the stored theme's posts (`old`: label -> post ids) and the new theme's posts among them."""
    stored = set().union(*old.values()) if old else set()
    pairs = []
    for o, had in old.items():
        for n, members in new.items():
            seen = stored.intersection(members)
            both = len(had & seen)
            if both:
                jaccard = both / len(had | seen)
                if jaccard >= minimum:
                    pairs.append((-jaccard, -both, o, n))
    out: dict[str, str] = {}
    taken: set[str] = set()
    for _, _, o, n in sorted(pairs):
        if n not in out and o not in taken:
            out[n] = o
            taken.add(o)
    return out


def names(labels: Sequence[str], matched: Mapping[str, str]) -> dict[str, str]:
    """Each new label -> the label it is written under: the stored one it continues, else its own,
    made unique (" (2)") against the labels carried over, in the order given."""
    used = set(matched.values())
    out = {n: o for n, o in matched.items()}
    for label in labels:
        if label in out:
            continue
        name, k = label, 2
        while name in used:
            name, k = f"{label} ({k})", k + 1
        used.add(name)
        out[label] = name
    return out


def path(old: Sequence[str], new: Sequence[str], kept: set[str], parent: Mapping[str, str | None]) -> list[str]:
    """A post's labels after a re-clustering, top-level theme first, then at most one aspect.

    `old`: its stored labels; `new`: the new clustering's (renamed); `kept`: the stored labels that live
    on; `parent`: each label's parent in the new themes (None: top level). A stored theme that lives on
    keeps the post, and so does its aspect where that lives on under it; otherwise the new clustering
    places it."""
    tops = [t for t in old if t in kept and parent.get(t) is None]
    top = tops[0] if tops else next((t for t in new if parent.get(t) is None), None)
    if top is None:
        return []
    aspects = [a for a in old if a in kept and parent.get(a) == top] or [a for a in new if parent.get(a) == top]
    return [top, *aspects[:1]]
