"""The space themes are clustered and assigned in: each language's mean embedding moved onto the mean of all.

multilingual-e5-small's embeddings carry a strong language component: on the demo corpus a
Korean post about the overheating crisis was closer to Korean everyday talk (mean cosine 0.94)
than to the English crisis posts (0.91), so clustering every language together still made one
theme per script. Removing each language's own mean takes away what a language's posts share
whatever they say (Libovický et al., 2020, "On the Language Neutrality of Pre-trained
Multilingual Representations"). Here each post's unit embedding is shifted by the mean of all
posts minus the mean of its language's posts, and normalised again: the languages' means meet,
the direction every e5 embedding shares stays. After it the Korean crisis posts sit at 0.96 to the English
crisis centroid and 0.94 to Korean everyday talk. (Subtracting the language mean alone, centring
on zero, joined the crisis less well on the demo and changed an English-only stream's themes,
where this shift changes nothing.)

`LanguageCentring.fit` takes the clustered posts' unit embeddings and languages
(nlp.themes.post_lang): a language with at least MIN_LANGUAGE_POSTS posts gets its own mean; a
rarer one, or one never seen, is not moved. `apply` is the one place the transform is made. A
full clustering fits it; the means are stored with the centroids (nlp/theme_state.py), so
incremental passes put new posts in the very same space; the next full clustering fits them again.

Limit: a language whose posts are mostly one topic has that topic in its mean, and the shift takes
some of it away from those posts (the mean is over the brand's whole window, so a crisis day
weighs little in it).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

MIN_LANGUAGE_POSTS = 30  # fewer posts of a language: their mean says more about their topics than the language


def unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (all-zero rows stay zero)."""
    rows = np.asarray(rows, dtype=np.float32)
    return rows / _norms(rows)


def _norms(rows: np.ndarray) -> np.ndarray:
    """Each row's length as a column, 1 for an all-zero row (it stays zero)."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.where(norms == 0, 1, norms)


def encode_vector(vector: np.ndarray) -> str:
    """A float32 vector as stored in the theme state (little-endian bytes, base64)."""
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def decode_vector(raw: str) -> np.ndarray:
    """The float32 vector `encode_vector` stored."""
    return np.frombuffer(base64.b64decode(raw), dtype="<f4").astype(np.float32)


@dataclass
class LanguageCentring:
    """Per language its posts' mean unit embedding; `fallback`: the mean of all posts (where every
    language's mean is moved to, and a rare language's mean).

    The default (no means, no fallback) moves nothing: rows are only normalised."""

    means: dict[str, np.ndarray] = field(default_factory=dict)
    fallback: np.ndarray | None = None

    @classmethod
    def fit(cls, vectors: np.ndarray, langs: Sequence[str], min_posts: int = MIN_LANGUAGE_POSTS) -> LanguageCentring:
        """The means of these posts' unit embeddings (one row per post, `langs[i]` its language)."""
        rows = unit(vectors)
        if len(rows) == 0:
            return cls()
        langs = np.asarray(langs, dtype=object)
        means = {}
        for lang in sorted(set(langs)):
            mine = rows[langs == lang]
            if len(mine) >= min_posts:
                means[lang] = mine.mean(axis=0)
        return cls(means, rows.mean(axis=0))

    def apply(self, vectors: np.ndarray, langs: Sequence[str]) -> np.ndarray:
        """The posts' embeddings in the themes' space: unit, their language's mean moved onto the
        mean of all posts, unit again."""
        rows = unit(vectors)
        if self.fallback is None or len(rows) == 0:
            return rows
        langs = np.asarray(langs, dtype=object)
        for lang, mean in self.means.items():  # in place, a language at a time: no n x 384 shift matrix
            rows[langs == lang] += self.fallback - mean
        rows /= _norms(rows)  # unit again, in place (`unit` would copy the n x 384 rows once more)
        return rows

    def vectors(self) -> list[np.ndarray]:
        """Every stored mean (each language's and the fallback)."""
        return [*self.means.values(), *([] if self.fallback is None else [self.fallback])]

    def to_json(self) -> dict:
        if self.fallback is None:
            return {}
        return {"means": {lang: encode_vector(v) for lang, v in self.means.items()},
                "fallback": encode_vector(self.fallback)}

    @classmethod
    def from_json(cls, data: dict) -> LanguageCentring:
        if not data:
            return cls()
        return cls({lang: decode_vector(raw) for lang, raw in data["means"].items()}, decode_vector(data["fallback"]))
