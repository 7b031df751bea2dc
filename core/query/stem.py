"""Declension-tolerant matching: a term written `Люмора~ru` matches every form with the same stem.

Russian and Italian (and the other languages below) inflect names: Люмора, Люморы, Люмору,
Люморой, Люморе; pizzeria, pizzerie. Rather than a hand-written OR per form, an inflected
term compares Snowball stems (the `snowballstemmer` package, pure Python): a text token
matches when its stem equals the query token's stem AND it starts with that stem, or when its
stem is the query's word less a short ending (`inflected_matches`: Snowball strips some
dictionary forms further than their other forms). Every match starts with the common prefix of
the query's word and its stem, so the store prefilters (SQLite FTS5, Elasticsearch) can look for
that prefix and stay a superset of the matches.

Lookalikes keep their own stems: Люмоса -> люмос, Люморка -> люморк (not люмор);
Lumorax -> lumorax (not lumor); burner -> burner (not burn). Only letters of the language's
own script are stemmed: `Lumora~ru` is refused at parse time (a Russian stemmer leaves Latin
words as they are).
"""

from __future__ import annotations

import os
import re
from functools import cache, lru_cache

# ISO 639-1 code -> (Snowball algorithm, script the words must be written in).
LANGUAGES: dict[str, tuple[str, str]] = {
    "ru": ("russian", "Cyrillic"),
    "it": ("italian", "Latin"),
    "es": ("spanish", "Latin"),
    "pt": ("portuguese", "Latin"),
    "fr": ("french", "Latin"),
    "de": ("german", "Latin"),
    "pl": ("polish", "Latin"),
    "en": ("english", "Latin"),  # Snowball's "english" (Porter2); it leaves irregular forms alone: burnt, ran
}

_SCRIPT = {
    "Cyrillic": re.compile(r"[\u0400-\u04ff\u0500-\u052f]"),
    "Latin": re.compile(r"[a-zA-Z\u00c0-\u024f]"),
}


class StemmerUnavailable(RuntimeError):
    """The `snowballstemmer` package (or its algorithm for a language) is not installed."""


def supported() -> str:
    """The language codes `~xx` accepts, for error messages."""
    return ", ".join(sorted(LANGUAGES))


def script_of(lang: str) -> str:
    """The script a language's inflected words are written in ('Cyrillic', 'Latin')."""
    return LANGUAGES[lang][1]


def in_script(token: str, lang: str) -> bool:
    """Whether every letter of `token` is in `lang`'s script (digits are neutral)."""
    pattern = _SCRIPT[script_of(lang)]
    return all(pattern.match(ch) for ch in token if ch.isalpha())


def script_of_words(text: str) -> str | None:
    """'Cyrillic' or 'Latin' when every letter of `text` is in that script; None otherwise (mixed, CJK, none)."""
    letters = [ch for ch in text if ch.isalpha()]
    for script, pattern in _SCRIPT.items():
        if letters and all(pattern.match(ch) for ch in letters):
            return script
    return None


@cache
def _stemmer(lang: str):  # noqa: ANN202 - snowballstemmer has no type stubs
    try:
        import snowballstemmer  # noqa: PLC0415 - optional: only queries with ~xx need it
    except ImportError:
        raise StemmerUnavailable(
            f"inflected terms (~{lang}) need the snowballstemmer package: pip install snowballstemmer"
        ) from None
    return snowballstemmer.stemmer(LANGUAGES[lang][0])


def check_available(lang: str) -> None:
    """Raise StemmerUnavailable now (at parse time) rather than while matching."""
    _stemmer(lang)


@lru_cache(maxsize=65536)
def stem(token: str, lang: str) -> str:
    """The Snowball stem of a normalised, folded token; a token outside `lang`'s script is its own stem."""
    if not in_script(token, lang):
        return token
    return _stemmer(lang).stemWord(token)


# The longest dictionary-form ending Snowball may leave on a word whose other forms it strips to the bare root.
MAX_WORD_ENDING = 2
# English words end in a consonant or a mute 'e'/'y' that the stem rewrites (battery -> batteri, apply -> appli):
# there, "the word less a letter or two" is mostly another word (batter, apple, part for party, ever for every),
# so a text's stem must be the whole word ('alias' -> alia, but 'aliases' -> alias).
WORD_ENDING = {"en": 0}


def inflected_matches(query_token: str, text_token: str, lang: str) -> bool:
    """Whether `text_token` is a form of `query_token` in `lang`: the same stem, and starting with it; or a
    stem that is the query's word less an ending of at most MAX_WORD_ENDING letters (none in English: WORD_ENDING).

    The second case is for words whose dictionary form Snowball stems further than its other forms:
    перегрев -> перегр but перегрева, перегреве -> перегрев; батарея -> батаре but батареи -> батар;
    telefono -> telef but telefoni -> telefon. With the first rule alone `перегрев~ru` matched only itself.
    A lookalike still has a stem of its own that is no such prefix (Люморка -> люморк, not in люмора).
    Every match still starts with the common prefix of the query's word and its stem, which is what the
    store prefilters look for (indexing/sqlite_query.py, indexing/elasticsearch_query.py)."""
    if text_token == query_token:
        return True
    root = stem(query_token, lang)
    other = stem(text_token, lang)
    if text_token.startswith(root) and other == root:
        return True
    return (
        len(other) >= 3
        and query_token.startswith(other)
        and len(query_token) - len(other) <= WORD_ENDING.get(lang, MAX_WORD_ENDING)
        and text_token.startswith(os.path.commonprefix([query_token, root]))
    )
