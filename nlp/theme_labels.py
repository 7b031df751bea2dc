"""Theme labels a person would write: the key phrases of a theme's posts against the rest, per language.

One rule with the alerts' key phrases (`nlp/phrases.py`: 1-3-word n-grams per language, log-odds
with an informative Dirichlet prior). A theme is described against the other posts of its
clustering group (a child theme against its siblings, a sentiment half against the other half),
per language: a theme that spans languages gets one label per language side by side
(`{"en": "battery overheating", "ko": "배터리 과열"}`) and displays its largest language's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from nlp.phrases import key_phrases, post_grams, score_counts

LABEL_PHRASES = 2  # a display label joins at most this many key phrases
MIN_LANG_POSTS = 3  # a language with fewer posts in the theme gets no label of its own


class PhraseIndex:
    """Each post's distinct n-grams (counted once), grouped by language, to score subsets quickly."""

    def __init__(self, texts: Sequence[str], langs: Sequence[str], exclude: frozenset[str]) -> None:
        self.langs = list(langs)
        self.grams = [post_grams(t, lang, exclude) for t, lang in zip(texts, langs, strict=True)]

    def count(self, posts: Sequence[int]) -> dict[str, Counter]:
        """Per language, how many of `posts` use each n-gram: the scope members are compared within."""
        out: dict[str, Counter] = {}
        for i in posts:
            out.setdefault(self.langs[i], Counter()).update(self.grams[i])
        return out

    def phrases(self, members: Sequence[int], scope: Counter, n: int = 3) -> list[str]:
        """Key phrases of the posts `members` (one language) against the rest of `scope` (`count`'s
        counter of a set of posts that holds them), best first."""
        surge: Counter = Counter(g for i in members for g in self.grams[i])
        usual = Counter({g: scope[g] - c for g, c in surge.items()})
        total = sum(scope.values()) - sum(surge.values())
        scored = score_counts(surge, usual, len(members), min_count=min(3, len(members)), usual_total=total)
        return key_phrases(scored, n=n)

    def labels(self, members: Sequence[int], scope: dict[str, Counter]) -> dict[str, str]:
        """One label per language with at least MIN_LANG_POSTS of `members` (biggest language first),
        each against the other posts of `scope` (`count`) in that language."""
        by_lang = Counter(self.langs[i] for i in members)
        out: dict[str, str] = {}
        for lang, count in by_lang.most_common():
            if count < MIN_LANG_POSTS and out:
                continue
            found = self.phrases([i for i in members if self.langs[i] == lang], scope[lang])
            if found:
                out[lang] = " · ".join(found[:LABEL_PHRASES])
        return out
