"""Theme labels a person would write: the key phrases of a theme's posts against the rest, per language.

One rule with the alerts' key phrases (`nlp/phrases.py`: 1-3-word n-grams per language, log-odds
with an informative Dirichlet prior). A theme is described against the other posts of its
clustering group (a child theme against its siblings, a sentiment half against the other half),
per language: a theme that spans languages gets one label per language side by side
(`{"en": "battery overheating", "ko": "배터리 과열"}`); which one is displayed: below.

Themes add one rule of their own: a phrase (or, for a theme without one, a c-TF-IDF word) must be
used by a share of the theme's posts at least MIN_WORD_LIFT times its share of the scope's other
posts. The log-odds compare n-gram *rates*, and a theme of short posts has fewer n-grams per post:
a hashtag nearly every post of a stream carries (#GOPDebate in the debate stream) has a higher rate
there at the same post share, and came out as the label of grab-bag themes. A label names what sets
the theme apart, never the stream: the stream's own words (ones more than half of a language's
posts use, and their other forms), the brand's name joined with other words (#DonaldTrump, #Trump2016),
a phrase with a word twice and a lone function word are never label material (`nlp/label_words.py`).

A language of a theme with MIN_LANG_POSTS posts and no phrase apart from its siblings' is, when
another language of the theme has a label, described against every post of that language (what
its posts are about), so a language view shows a label in its own language; when the log-odds test
still finds none (a language with few, short other posts to compare with), by the phrases at least
half of its posts in the theme use, MIN_WORD_LIFT times as often as its other posts (`PhraseIndex.common`).
A language with MIN_LANG_POSTS posts is left without a label only when no phrase passes even that: its
posts in the theme share no words that its other posts do not use as much. The label shown is
the language of the theme's most representative posts: the most common language among the half
of its posts nearest its centre (members come nearest first), not simply its largest language,
which may be a different kind of post at the edge of the theme.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from nlp.label_words import allowed, filler, joined_brand_words, same_word, stream_words
from nlp.phrases import Scored, key_phrases, post_grams, score_counts
from nlp.tokenize import written_forms

LABEL_PHRASES = 2  # a display label joins at most this many key phrases
MIN_LANG_POSTS = 3  # a language with fewer posts in the theme gets no label of its own
MIN_LANG_SHARE = 0.5  # `PhraseIndex.common`: a phrase at least half of a language's posts in the theme use
MIN_WORD_LIFT = 2.0  # share of the theme's posts using it / share of the scope's other posts, at least
MIXED = "mixed posts"  # a theme neither key phrases nor distinct words describe: no common topic to name
_MIXED_LABEL = re.compile(r"(?:^|› )mixed posts(?: \(\d+\))?$")  # "mixed posts (2)", "battery › mixed posts"


def own_label(posts: int) -> bool:
    """Whether a language with `posts` posts in a theme is enough for a label of its own (MIN_LANG_POSTS): the one
    rule for a full clustering (`PhraseIndex.labels`) and an incremental pass that brings a theme a new language
    (`nlp.theme_relabel`)."""
    return posts >= MIN_LANG_POSTS


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
        self.texts = list(texts)  # a label's words in the script most of its posts write them (`written_forms`)
        # One copy of each n-gram for every post that uses it (a post's set holds references): a 300,000-post
        # window repeats its phrases, and a copy per post was most of this index's memory.
        # A text repeated (retweets, templates) is read once, and its posts share one set: never changed below,
        # each filter makes new sets (`_once`).
        canon: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]] = {}
        done: dict[tuple[str, str], set[tuple[str, tuple[str, ...]]]] = {}
        for text, lang in zip(texts, langs, strict=True):
            if (text, lang) not in done:
                done[text, lang] = {canon.setdefault(g, g) for g in post_grams(text, lang, exclude)}
        grams = [done[text, lang] for text, lang in zip(texts, langs, strict=True)]
        del canon, done
        # The brand's name joined with other words (#DonaldTrump, #Trump2016) is the brand's too: judged on
        # how every post writes a word, so phrases leave it out as they leave out the name (`joined_name`).
        joined = joined_brand_words(self.texts, self.langs, exclude)
        if joined:
            grams = _once(grams, lambda post, _lang: {g for g in post if joined.isdisjoint(g[1])}, self.langs)
        # No floor (MIN_WORD_LIFT <= 1, a comparison run): no word is the stream's.
        share = 1 / MIN_WORD_LIFT if MIN_WORD_LIFT > 1 else float("inf")
        self.stream = stream_words(grams, self.langs, share)
        empty: frozenset[str] = frozenset()
        self.grams = _once(grams, lambda post, lang: {g for g in post if allowed(g, self.stream.get(lang, empty))},
                           self.langs)
        self._everyone: ScopeCounts | None = None

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
        scored = [s for s in scored if _lifted(s.surge, len(members), usual[(s.text, s.parts)], rest)
                  and (len(s.parts) > 1 or not filler(s.text, lang))]
        return key_phrases(_possessives_folded(scored), n=n)

    def everyone(self) -> ScopeCounts:
        """`count` of every post: the scope a language with no phrase apart from its siblings' is described in."""
        if self._everyone is None:
            self._everyone = self.count(range(len(self.langs)))
        return self._everyone

    def labels(self, members: Sequence[int], scope: ScopeCounts) -> dict[str, str]:
        """One label per language with at least MIN_LANG_POSTS of `members` (nearest first), each against
        the other posts of `scope` (`count`) in that language, the language of the most representative
        posts first (`representative_order`). When one language has such a label, each other language with
        MIN_LANG_POSTS posts and none is then described against every other post in it (its language view
        shows what its posts are about, not another language's label), by `common` when the log-odds test
        finds nothing there; those come last, never shown first."""
        out: dict[str, str] = {}
        missing: list[list[int]] = []
        for lang in representative_order([self.langs[i] for i in members]):
            mine = [i for i in members if self.langs[i] == lang]
            if not own_label(len(mine)) and out:
                continue
            found = self.phrases(mine, scope)
            if found:
                out[lang] = self._label(found, mine)
            elif own_label(len(mine)):
                missing.append(mine)
        for mine in missing if out else []:
            found = self.phrases(mine, self.everyone()) or self.common(mine, self.everyone())
            if found:
                out[self.langs[mine[0]]] = self._label(found, mine)
        return out

    def _label(self, phrases: list[str], members: Sequence[int]) -> str:
        """The first LABEL_PHRASES phrases, each as most of `members` write it (traditional or simplified)."""
        return " · ".join(written_forms(phrases[:LABEL_PHRASES], (self.texts[i] for i in members)))

    def common(self, members: Sequence[int], scope: ScopeCounts, n: int = 3) -> list[str]:
        """Phrases at least MIN_LANG_SHARE of the posts `members` (one language, MIN_LANG_POSTS or more) use,
        MIN_WORD_LIFT times as often as the other posts of `scope` in that language, most used first; no
        log-odds test. For a language whose other posts are too few and short for one: the z-score compares
        n-gram rates, and 45 other Korean posts of a few words each could not make 고객센터, in all 23 of a
        theme's Korean posts and in none of them, pass it."""
        lang = self.langs[members[0]]
        surge: Counter = Counter(g for i in members for g in self.grams[i])
        grams, rest = scope.grams[lang], scope.posts[lang] - len(members)
        floor = max(MIN_LANG_POSTS, MIN_LANG_SHARE * len(members))
        # Ranked by posts using it (in `z` too: `key_phrases` prefers the longer phrase by it).
        found = [Scored(g[0], g[1], c, grams[g] - c, float(c)) for g, c in surge.items()
                 if c >= floor and _lifted(c, len(members), grams[g] - c, rest)
                 and (len(g[1]) > 1 or not filler(g[0], lang))]
        return key_phrases(_possessives_folded(sorted(found, key=lambda s: (-s.surge, -len(s.parts), s.text))), n=n)

    def distinct_words(self, members: Sequence[int], scope: ScopeCounts, words: Sequence[str]) -> list[str]:
        """`words`, in order, that the posts `members` use at least MIN_WORD_LIFT times as often as the
        other posts of `scope` (`count` of a set that holds them; every language together); never a stream
        word or a function word (`nlp/label_words.py`)."""
        rest = sum(scope.posts.values()) - len(members)
        out = []
        for word in words:
            gram = (word, (word,))
            inside = sum(gram in self.grams[i] for i in members)
            outside = sum(counter[gram] for counter in scope.grams.values()) - inside
            if _lifted(inside, len(members), outside, rest) and not filler(word, "en"):
                out.append(word)
        return out


def _once(grams: list[set], f: Callable[[set, str], set], langs: Sequence[str]) -> list[set]:
    """`f(post, lang)` of each post's set, computed once per set object and language: posts that shared a set
    share the result."""
    done: dict[tuple[int, str], set] = {}
    out = []
    for post, lang in zip(grams, langs, strict=True):
        key = (id(post), lang)
        if key not in done:
            done[key] = f(post, lang)
        out.append(done[key])
    return out


def representative_order(langs: Sequence[str]) -> list[str]:
    """The languages of a theme's posts (`langs`, nearest its centre first), the most common among the
    nearer half first; then by how many posts in all, then by code (deterministic)."""
    core = Counter(langs[: (len(langs) + 1) // 2])
    total = Counter(langs)
    return sorted(total, key=lambda lang: (-core[lang], -total[lang], lang))


def _possessives_folded(scored: list[Scored]) -> list[Scored]:
    """`scored` with each phrase's words as `same_word` reads them (its text as written): `key_phrases` lets no
    phrase repeat a word of one chosen before, and "night's" is "night" (`last night · night's` was a label)."""
    return [replace(s, parts=tuple(same_word(w) for w in s.parts)) for s in scored]


def _lifted(inside: int, members: int, outside: int, rest: int) -> bool:
    """Used by `inside` of `members` posts and `outside` of the `rest`: at least MIN_WORD_LIFT times as
    often inside (a scope with no other posts: any use)."""
    return inside > 0 and inside * max(rest, 0) >= MIN_WORD_LIFT * outside * members
