"""Theme labels a person would write: the key phrases of a theme's posts against the rest, per language.

One rule with the alerts' key phrases (`nlp/phrases.py`: 1-3-word n-grams per language, log-odds
with an informative Dirichlet prior). A theme is described against the other posts of its
clustering group (a child theme against its siblings, a sentiment half against the other half),
per language: a theme that spans languages gets one label per language side by side
(`{"en": "battery overheating", "ko": "배터리 과열"}`) and displays its largest language's.

Themes add one rule of their own: a phrase (or, for a theme without one, a c-TF-IDF word) must be
used by a share of the theme's posts at least MIN_WORD_LIFT times its share of the scope's other
posts. The log-odds compare n-gram *rates*, and a theme of short posts has fewer n-grams per post:
a hashtag nearly every post of a stream carries (#GOPDebate in the debate stream) has a higher rate
there at the same post share, and came out as the label of grab-bag themes. A label names what sets
the theme apart, never the stream.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from nlp.phrases import key_phrases, post_grams, score_counts

LABEL_PHRASES = 2  # a display label joins at most this many key phrases
MIN_LANG_POSTS = 3  # a language with fewer posts in the theme gets no label of its own
MIN_WORD_LIFT = 2.0  # share of the theme's posts using it / share of the scope's other posts, at least
MIXED = "mixed posts"  # a theme neither key phrases nor distinct words describe: no common topic to name
_MIXED_LABEL = re.compile(r"(?:^|› )mixed posts(?: \(\d+\))?$")  # "mixed posts (2)", "battery › mixed posts"


def is_mixed(label: str) -> bool:
    """Whether a stored theme label is a MIXED theme (made unique by a number or its parent's label)."""
    return _MIXED_LABEL.search(label) is not None


@dataclass
class ScopeCounts:
    """A set of posts by language: how many use each n-gram (each post counted once), and how many there are."""

    grams: dict[str, Counter] = field(default_factory=dict)
    posts: Counter = field(default_factory=Counter)


class PhraseIndex:
    """Each post's distinct n-grams (counted once), grouped by language, to score subsets quickly."""

    def __init__(self, texts: Sequence[str], langs: Sequence[str], exclude: frozenset[str]) -> None:
        self.langs = list(langs)
        self.grams = [post_grams(t, lang, exclude) for t, lang in zip(texts, langs, strict=True)]

    def count(self, posts: Iterable[int]) -> ScopeCounts:
        """Per language, how many of `posts` use each n-gram, and how many posts: the scope members are
        compared within."""
        out = ScopeCounts()
        for i in posts:
            out.grams.setdefault(self.langs[i], Counter()).update(self.grams[i])
            out.posts[self.langs[i]] += 1
        return out

    def phrases(self, members: Sequence[int], scope: ScopeCounts, n: int = 3) -> list[str]:
        """Key phrases of the posts `members` (one language) against the rest of `scope` (`count` of a set
        of posts that holds them), best first."""
        if not members:
            return []
        lang = self.langs[members[0]]
        surge: Counter = Counter(g for i in members for g in self.grams[i])
        grams = scope.grams[lang]
        usual = Counter({g: grams[g] - c for g, c in surge.items()})
        total = sum(grams.values()) - sum(surge.values())
        scored = score_counts(surge, usual, len(members), min_count=min(3, len(members)), usual_total=total)
        rest = scope.posts[lang] - len(members)
        scored = [s for s in scored if _lifted(s.surge, len(members), usual[(s.text, s.parts)], rest)]
        return key_phrases(scored, n=n)

    def labels(self, members: Sequence[int], scope: ScopeCounts) -> dict[str, str]:
        """One label per language with at least MIN_LANG_POSTS of `members` (biggest language first),
        each against the other posts of `scope` (`count`) in that language."""
        by_lang = Counter(self.langs[i] for i in members)
        out: dict[str, str] = {}
        for lang, count in by_lang.most_common():
            if count < MIN_LANG_POSTS and out:
                continue
            found = self.phrases([i for i in members if self.langs[i] == lang], scope)
            if found:
                out[lang] = " · ".join(found[:LABEL_PHRASES])
        return out

    def distinct_words(self, members: Sequence[int], scope: ScopeCounts, words: Sequence[str]) -> list[str]:
        """`words`, in order, that the posts `members` use at least MIN_WORD_LIFT times as often as the
        other posts of `scope` (`count` of a set that holds them; every language together)."""
        rest = sum(scope.posts.values()) - len(members)
        out = []
        for word in words:
            gram = (word, (word,))
            inside = sum(gram in self.grams[i] for i in members)
            outside = sum(counter[gram] for counter in scope.grams.values()) - inside
            if _lifted(inside, len(members), outside, rest):
                out.append(word)
        return out


def _lifted(inside: int, members: int, outside: int, rest: int) -> bool:
    """Used by `inside` of `members` posts and `outside` of the `rest`: at least MIN_WORD_LIFT times as
    often inside (a scope with no other posts: any use)."""
    return inside > 0 and inside * max(rest, 0) >= MIN_WORD_LIFT * outside * members
