"""Incremental themes: keep each theme's centroid, put new posts in the nearest theme they fit.

A full clustering (`nlp/themes.py`) costs an encoder pass over every post plus k-means; most
passes only add a few posts to topics that already exist. So each theme keeps the mean of its
members' unit sentence embeddings (the centroid) and a *fit radius*: the cosine similarity to
the centroid that 90% of its own members reach (never below ASSIGN_FLOOR). A new post goes to
the most similar theme of its language group whose radius it reaches, or to none; a post that
fits only an aspect goes to it and its parent (`assign_paths`).

Drift: when at least DRIFT_MIN_NEW new posts arrive and the share that fit no theme exceeds the
share of the clustered posts themselves that fit none (measured when the themes were made) by
more than DRIFT_MARGIN, the topics have moved and the caller re-clusters in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nlp.theme_space import decode_vector, encode_vector
from nlp.theme_space import unit as _unit

FIT_QUANTILE = 0.1  # a theme's radius: the similarity 90% of its own members reach
ASSIGN_FLOOR = 0.3  # below this cosine, MiniLM posts share little more than the language
DRIFT_MIN_NEW = 50  # fewer new posts say too little about drift; they are assigned or left out
DRIFT_MARGIN = 0.15  # unfit share above the clustered posts' own unfit share that means drift


@dataclass
class Centroid:
    """One theme as incremental passes see it."""

    label: str
    groups: list[str]  # language groups (nlp.themes.theme_group) its members came from
    vector: np.ndarray  # unit float32, the members' mean sentence embedding (in nlp/theme_space.py's space)
    radius: float
    count: int
    parent: str | None = None  # the broad theme this one is an aspect of; None: a top-level theme
    info: dict = field(default_factory=dict)  # nlp.themes.Theme.info: labels per language, merges, split

    def to_json(self) -> dict:
        out = {"label": self.label, "groups": self.groups, "radius": self.radius, "count": self.count,
               "vector": encode_vector(self.vector)}
        return out | ({"parent": self.parent} if self.parent else {}) | ({"info": self.info} if self.info else {})

    @classmethod
    def from_json(cls, data: dict) -> Centroid:
        return cls(data["label"], list(data["groups"]), decode_vector(data["vector"]), float(data["radius"]),
                   int(data["count"]), data.get("parent"), dict(data.get("info") or {}))


def make_centroid(label: str, groups: Sequence[str], vectors: np.ndarray) -> Centroid:
    """The centroid and fit radius of a theme from its members' sentence embeddings (one row each)."""
    unit = _unit(np.asarray(vectors, dtype=np.float32))
    centre = _unit(unit.mean(axis=0, keepdims=True))[0]
    radius = max(ASSIGN_FLOOR, float(np.quantile(unit @ centre, FIT_QUANTILE)))
    return Centroid(label, sorted(set(groups)), centre.astype(np.float32), round(radius, 4), len(unit))


def assign(centroids: Sequence[Centroid], vectors: np.ndarray, groups: Sequence[str]) -> list[str | None]:
    """For each post (row of `vectors`, language group `groups[i]`): the label of the most similar
    theme of its group whose radius it reaches, or None when it fits none."""
    if not centroids or len(vectors) == 0:
        return [None] * len(vectors)
    sims = _unit(np.asarray(vectors, dtype=np.float32)) @ np.stack([c.vector for c in centroids]).T
    radius = np.array([c.radius for c in centroids])
    in_group = {g: np.array([g in c.groups for c in centroids]) for g in set(groups)}  # once per group, not per post
    out: list[str | None] = []
    for row, group in zip(sims, groups, strict=True):
        ok = (row >= radius) & in_group[group]
        out.append(centroids[int(np.argmax(np.where(ok, row, -np.inf)))].label if ok.any() else None)
    return out


def unfit_share(labels: Sequence[str | None]) -> float:
    """The share of posts that fit no theme."""
    return sum(label is None for label in labels) / len(labels) if labels else 0.0


def drifted(new_labels: Sequence[str | None], baseline: float) -> bool:
    """Whether these new posts fit the themes too badly to keep them (see the module docstring)."""
    return len(new_labels) >= DRIFT_MIN_NEW and unfit_share(new_labels) > baseline + DRIFT_MARGIN


def assign_paths(centroids: Sequence[Centroid], vectors: np.ndarray, groups: Sequence[str]) -> list[list[str]]:
    """For each post: [its top-level theme, the aspect (child theme) of it that it fits] by `assign`,
    the child left out when it fits none of the parent's aspects; [] when it fits no theme.

    A theme's posts are its own and its aspects', so a post that fits no top-level theme but fits an
    aspect goes to that aspect and its parent: a nested theme (nlp/theme_merge.py `nest_pairs`) is
    related to its parent, not one topic with it, and its posts sit farther from the parent's centre
    than the parent's own (on the demo 14-30% of them outside the parent's radius)."""
    top = [c for c in centroids if c.parent is None]
    aspects = [c for c in centroids if c.parent is not None]
    parents = assign(top, vectors, groups)
    loose = assign(aspects, vectors, groups) if aspects else [None] * len(parents)
    parent_of = {c.label: c.parent for c in aspects}
    posts_of: dict[str, list[int]] = {}
    for i, parent in enumerate(parents):
        if parent is not None:
            posts_of.setdefault(parent, []).append(i)
    child: list[str | None] = [None] * len(parents)
    for label, rows in posts_of.items():  # one `assign` per parent over its posts, not one per post
        kids = [c for c in aspects if c.parent == label]
        if kids:
            for i, found in zip(rows, assign(kids, vectors[rows], [groups[i] for i in rows]), strict=True):
                child[i] = found
    return [[parent_of[aspect], aspect] if parent is None and aspect is not None
            else [label for label in (parent, kid) if label is not None]
            for parent, aspect, kid in zip(parents, loose, child, strict=True)]
