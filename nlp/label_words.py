"""Which n-grams may be part of a theme label at all, whatever they score: not the stream's own words,
no word twice, no filler word on its own, and no form of the brand's own words.

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
- **The brand's own words** (its name, query words and aliases: `groundswell.themes_step.label_stopwords`)
  in every form (`brand_word`): another form of one (the same Snowball stem in the post's language:
  Люморы, Люмору of the alias Люмора), and in Chinese and Japanese a piece a segmenter cut from one or a
  word holding one (jieba reads 露莫拉 as 露 + 莫拉), in Korean a word starting with one (matched at word
  starts, as queries match Hangul). With `nlp.mask_brand_names` (the default) the texts already read
  them as `@user`; without it, a label could be the brand's own name in another script.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache

from core.query.stem import LANGUAGES, stem
from core.query.text import simplified

STREAM_MIN_POSTS = 30  # a language with fewer posts is judged with every post, not on its own
Gram = tuple[str, tuple[str, ...]]
_JOINED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")  # written without spaces: segmenters cut names up
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


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


@lru_cache(maxsize=64)
def _name_forms(names: frozenset[str], lang: str | None) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """(the stems of `names` in `lang`, the Chinese/Japanese ones, the Korean ones): computed once per brand."""
    stems = frozenset(_stem(n, lang) for n in names) if lang in LANGUAGES else frozenset()
    # Both scripts: Chinese post words come simplified (nlp/tokenize.py), a name may be written traditional.
    joined = tuple(dict.fromkeys(f for n in names if _JOINED.search(n) for f in (n, simplified(n))))
    hangul = tuple(n for n in names if _HANGUL.search(n))
    return stems, joined, hangul


def brand_word(word: str, lang: str | None, names: frozenset[str]) -> bool:
    """Whether `word` (a token of a post in `lang`) is one of the brand's words `names` in any form: itself,
    the same Snowball stem in `lang`, in Chinese/Japanese a piece of one or a word holding one, in Korean a
    word starting with one."""
    if word in names:
        return True
    if not names:
        return False
    stems, joined, hangul = _name_forms(names, lang)
    if stems and _stem(word, lang) in stems:
        return True
    if joined and len(word) > 1 and _JOINED.search(word) and any(
        w in n or n in w for w in {word, simplified(word)} for n in joined
    ):
        return True
    return bool(hangul) and any(word.startswith(n) for n in hangul)
