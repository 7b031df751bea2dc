"""Which n-grams may be part of a theme label at all, whatever they score: not the stream's own words,
no word twice, and no filler word on its own.

- **Stream words.** A word more than 1/MIN_WORD_LIFT (half) of a language's posts use cannot be
  MIN_WORD_LIFT times as common in any theme as in the brand's posts as a whole: it is the stream's
  (the collection's hashtag, #GOPDebate in the debate stream, or a brand name the query does not
  spell), not a theme's. Its other forms go with it (the same Snowball stem: "gopdebates" with
  "gopdebate"). Judged per language where the language has STREAM_MIN_POSTS posts (fewer: one
  theme can be half of them), else over every post.
- **A word twice** ("gopdebates gopdebates"): never a phrase a person writes.
- **Lone filler words.** A one-word phrase is a label word only when it is not a function word by
  an outside list (scikit-learn's English stopwords: "last", "give", "together"; other languages'
  function words never reach a phrase edge, `nlp.tokenize`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache

from core.query.stem import LANGUAGES, stem

STREAM_MIN_POSTS = 30  # a language with fewer posts is judged with every post, not on its own
Gram = tuple[str, tuple[str, ...]]


@cache
def _outside_stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # lazy: sklearn is slow to import

    return frozenset(ENGLISH_STOP_WORDS) | {"i"}


def filler(word: str, lang: str) -> bool:
    """Whether a word alone says nothing: an English function word by scikit-learn's list."""
    return lang == "en" and word in _outside_stopwords()


def _stem(word: str, lang: str) -> str:
    return stem(word, lang) if lang in LANGUAGES else word


def stream_words(grams: Sequence[set[Gram]], langs: Sequence[str], min_share: float) -> dict[str, frozenset[str]]:
    """Per language, the words more than `min_share` of the posts use, with every word sharing their stem."""
    by_lang: dict[str, Counter] = {}
    posts: Counter = Counter()
    everyone: Counter = Counter()
    for post, lang in zip(grams, langs, strict=True):
        words = {g[1][0] for g in post if len(g[1]) == 1}
        by_lang.setdefault(lang, Counter()).update(words)
        everyone.update(words)
        posts[lang] += 1
    total = sum(posts.values())
    out: dict[str, frozenset[str]] = {}
    for lang, counts in by_lang.items():
        own = posts[lang] >= STREAM_MIN_POSTS
        df, n = (counts, posts[lang]) if own else (everyone, total)
        common = {w for w, c in df.items() if n and c > min_share * n}
        stems = {_stem(w, lang) for w in common}
        out[lang] = frozenset(w for w in counts if w in common or _stem(w, lang) in stems)
    return out


def allowed(gram: Gram, stream: Iterable[str] | frozenset[str]) -> bool:
    """Whether an n-gram may be a label phrase: no stream word in it and no word twice."""
    words = gram[1]
    return len(set(words)) == len(words) and not any(w in stream for w in words)
