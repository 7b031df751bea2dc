"""Labels for the languages an incremental pass brings to a theme (groundswell/themes_step.py).

A full clustering labels a theme in every language with enough posts in it (`nlp.theme_labels.own_label`). An
incremental pass only adds posts to the stored themes, so a theme that gains posts in a language it had none of
(five Korean posts joining an English battery theme) kept its old labels, and the Korean language view named it in
English until the next full clustering. Here such a language is labelled as a full clustering would label it: by
`PhraseIndex.labels` over the theme's posts, against its scope (its clustering group's posts; an aspect: its
parent's), in the same index of every post of the window. Only the missing languages are added: the labels a theme
has keep their wording, and its name (what links and the store match on) never changes. A sentiment half is
labelled as a whole theme here (its full-clustering label adds what sets it apart from the other half).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from nlp.theme_centroids import Centroid
from nlp.theme_labels import PhraseIndex, own_label


def missing_languages(
    centroids: Sequence[Centroid], paths: Sequence[Sequence[str]], langs: Sequence[str], new: Collection[int]
) -> dict[str, set[str]]:
    """Per theme label: the languages with enough of its posts for a label of their own that it has no label in,
    among the languages of its `new` posts (indexes into `paths`, each post's theme labels, and `langs`)."""
    counts: dict[str, Counter] = {}
    for path, lang in zip(paths, langs, strict=True):
        for label in path:
            counts.setdefault(label, Counter())[lang] += 1
    brought: dict[str, set[str]] = {}
    for i in new:
        for label in paths[i]:
            brought.setdefault(label, set()).add(langs[i])
    out = {}
    for c in centroids:
        have = set(c.info.get("labels") or {})
        want = {lang for lang in brought.get(c.label, ()) if lang not in have and own_label(counts[c.label][lang])}
        if want:
            out[c.label] = want
    return out


def language_labels(
    centroids: Sequence[Centroid],
    wanted: Mapping[str, Collection[str]],
    texts: Sequence[str],
    langs: Sequence[str],
    groups: Sequence[str],
    paths: Sequence[Sequence[str]],
    exclude: Collection[str],
) -> dict[str, dict[str, str]]:
    """Per theme label of `wanted`, its labels in the wanted languages that `PhraseIndex.labels` finds (`texts`:
    every post of the window as themes read it; `groups`: each one's clustering group; `paths`: its theme labels;
    `exclude`: the words labels never use, `nlp.themes.label_exclusions`). A language it finds no phrase for is
    left out, as a full clustering leaves it."""
    index = PhraseIndex(texts, langs, frozenset(exclude))
    by_label = {c.label: c for c in centroids}
    out: dict[str, dict[str, str]] = {}
    for label, want in wanted.items():
        theme = by_label[label]
        members = [i for i, path in enumerate(paths) if label in path]
        if theme.parent is not None:
            scope = [i for i, path in enumerate(paths) if theme.parent in path]
        else:
            scope = [i for i, group in enumerate(groups) if group in theme.groups]
        found = index.labels(members, index.count(scope))
        got = {lang: text for lang, text in found.items() if lang in want}
        if got:
            out[label] = got
    return out
