"""Which n-grams may be part of a theme label at all, whatever they score: not the stream's own words,
no word twice, no filler word on its own, and no form of the brand's own words.

- **Stream words.** A word more than 1/MIN_WORD_LIFT (half) of a language's posts use cannot be
  MIN_WORD_LIFT times as common in any theme as in the brand's posts as a whole: it is the stream's
  (the collection's hashtag, #GOPDebate in the debate stream, or a brand name the query does not
  spell), not a theme's. Its other forms go with it (the same Snowball stem: "gopdebates" with
  "gopdebate"). Judged per language where the language has STREAM_MIN_POSTS posts (fewer: one
  theme can be half of them), else over every post.
- **A word twice** ("gopdebates gopdebates"): never a phrase a person writes, nor a label's phrases
  repeating one ("last night · night's"). A possessive is its word (`same_word`); other forms are not:
  "won" and "winners" are two words (two Snowball stems too), as are the demo's "batteries overheating ·
  battery is swelling".
- **Lone filler words.** A one-word phrase is a label word only when it is not a function word by
  an outside list (scikit-learn's English stopwords: "last", "give", "together"; other languages'
  function words never reach a phrase edge, `nlp.tokenize`).
- **The brand's own words** (its name, query words and aliases: `groundswell.themes_step.label_stopwords`)
  in every form (`brand_word`): another form of one (the same Snowball stem in the post's language:
  Люморы, Люмору of the alias Люмора), and in Chinese and Japanese a piece a segmenter cut from one or a
  word holding one (jieba reads 露莫拉 as 露 + 莫拉), in Korean a word starting with one (matched at word
  starts, as queries match Hangul). With `nlp.mask_brand_names` (the default) the texts already read
  them as `@user`; without it, a label could be the brand's own name in another script.
  A word that joins one of them with other words is one too (`joined_name`): #DonaldTrump, #Trump2016,
  #CruzCrew, #Kasich4Us, #StandWithRand, anti-Trump. Masking leaves those in the text (a query word matches
  whole words: #DonaldTrump is not Trump), and they named debate themes (`gop debate news · donaldtrump`,
  `kasich4us · win`). Only where the writing shows the name is one of the words joined: capitals (Donald|
  Trump, Stand|With|Rand), digits or a hyphen (Trump|2016, Kasich|4|Us), or the brand's multi-word name
  written together in any case (donaldtrump); and only names of MIN_JOINED_NAME letters or more. Not
  "pineapple" of Apple, nor #IranDeal or #FairandBalanced of Rand: a name found merely inside a word is a
  guess, and IranDeal (a topic of the debate) is no Rand Paul word. A word is judged on every post of a
  clustering (`joined_brand_words`): a post writing "#standwithrand" loses it as those writing
  #StandWithRand do.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache

from core.query.stem import LANGUAGES, stem
from core.query.text import fold, simplified
from nlp.tokenize import written_words

STREAM_MIN_POSTS = 30  # a language with fewer posts is judged with every post, not on its own
# A shorter name (Jeb) is too often a piece of other words to be looked for inside a joined one.
MIN_JOINED_NAME = 4
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


def same_word(word: str) -> str:
    """`word` without a possessive ending ("night's", "players'": night, players), the word a label must not
    say twice; other forms stay apart ("won", "winners")."""
    if word.endswith("'s") and len(word) > 2:
        return word[:-2]
    return word[:-1] if word.endswith("s'") else word


def allowed(gram: Gram, stream: Iterable[str] | frozenset[str]) -> bool:
    """Whether an n-gram may be a label phrase: no stream word in it and no word twice (`same_word`)."""
    words = gram[1]
    return len({same_word(w) for w in words}) == len(words) and not any(w in stream for w in words)


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


def word_parts(written: str) -> list[str]:
    """The words a token as written joins, lower-cased and folded (`core.query.text.fold`): cut at a hyphen,
    where letters meet digits (Trump2016, Kasich4Us), before a capital after a small letter (StandWithRand)
    and before the last capital of a run followed by a small letter (AAPLStock: aapl, stock)."""
    parts: list[str] = []
    for piece in written.split("-"):
        current = ""
        for i, ch in enumerate(piece):
            before, after = piece[i - 1] if i else "", piece[i + 1 : i + 2]
            if current and (
                ch.isdigit() != before.isdigit()
                or (ch.isupper() and before.islower())
                or (ch.isupper() and before.isupper() and after.islower())
            ):
                parts.append(current)
                current = ""
            current += ch
        if current:
            parts.append(current)
    return [same_word(fold(p.lower())) for p in parts]


@lru_cache(maxsize=64)
def _long_names(names: frozenset[str]) -> frozenset[str]:
    """The brand's names of MIN_JOINED_NAME letters or more, folded, a multi-word or hyphenated one written
    together (`word_parts` cuts at a hyphen: #CocaColaFail holds Coca-Cola)."""
    joined = (fold(n.replace(" ", "").replace("-", "")) for n in names)
    return frozenset(n for n in joined if sum(ch.isalpha() for ch in n) >= MIN_JOINED_NAME)


def joined_name(written: str, names: frozenset[str]) -> bool:
    """Whether a word as written (case kept: "StandWithRand") joins one of the brand's `names` with other
    words: one of its `word_parts`, or several in a row, is a name of MIN_JOINED_NAME letters or more
    (donald + trump), or the whole word is one (a multi-word name written together: "donaldtrump")."""
    long = _long_names(names)
    if not long:
        return False
    parts = word_parts(written)
    return any("".join(parts[i:j]) in long for i in range(len(parts)) for j in range(i + 1, len(parts) + 1))


def joined_brand_words(texts: Iterable[str], langs: Iterable[str | None], names: frozenset[str]) -> frozenset[str]:
    """The words (as `nlp.tokenize.phrase_runs` reads them) that some post of `texts` writes as a brand name
    joined with other words (`joined_name`): the brand's words in every post, however those write them."""
    out: set[str] = set()
    seen: set[str] = set()
    for text, lang in zip(texts, langs, strict=True):
        for written, word in written_words(text, lang):
            if written not in seen:
                seen.add(written)
                if word not in out and joined_name(written, names):
                    out.add(word)
    return frozenset(out)
