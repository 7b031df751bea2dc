"""Language identification with lingua, restricted to the languages Groundswell expects.

Restricting the candidate set makes lingua faster and more accurate on short posts. The
detector is built once, on first use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from nlp.normalize import URL_PLACEHOLDER, USER_PLACEHOLDER, normalize

# ISO 639-1 codes the detector chooses among.
SUPPORTED_LANGUAGES: tuple[str, ...] = (
    "ar", "de", "en", "es", "fr", "hi", "it", "ja", "ko", "nl", "pl", "pt", "ru", "sv", "tr", "uk", "zh",
)
# 0 = always name the most likely language (short posts are often ambiguous, a guess beats none).
MIN_RELATIVE_DISTANCE = 0.0
# What normalisation puts for URLs and @handles (brand names read as @handles too) says nothing of a post's
# language, yet sways lingua on a short one: '@user' reads as Dutch or German, 'http' as Italian.
_PLACEHOLDERS = re.compile(rf"(?<![\w@]){re.escape(USER_PLACEHOLDER)}\b|\b{re.escape(URL_PLACEHOLDER)}\b")


@lru_cache(maxsize=1)
def _detector() -> Any:
    try:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
    except ImportError:
        raise RuntimeError("language detection needs lingua: pip install lingua-language-detector") from None
    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in SUPPORTED_LANGUAGES]
    return (
        LanguageDetectorBuilder.from_languages(*languages)
        .with_minimum_relative_distance(MIN_RELATIVE_DISTANCE)
        .build()
    )


def _code(language: Any) -> str | None:
    return None if language is None else language.iso_code_639_1.name.lower()


def language_text(text: str) -> str:
    """What of `text` (as written or normalised) tells its language: no URLs, @handles or their placeholders."""
    return _PLACEHOLDERS.sub(" ", normalize(text)).strip()


# A Latin-script word (letters of the Latin blocks, with digits, marks, ' and - inside it) and any other run of letters.
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff][\w'\u2019\-]*")
_OTHER_LETTERS = re.compile(r"[^\W\d_A-Za-z\u00c0-\u024f\u1e00-\u1eff]+")
# Scripts written without spaces between words: a run of them holds about one word per two characters.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _is_name(word: str, title_case: bool = False) -> bool:
    """A Latin word that names something rather than saying it: capitalised or with a capital inside (Lumora,
    Pulse, AS, USB-C, iPhone). Such words tell no language, yet sway lingua on a short post ('Pulse' reads as
    Swedish, 'Halo' as Spanish). In a Title Case text (`_title_case`) a capital first letter is the style, not a
    name: only a capital inside (AS, USB-C, iPhone) or no letter at all still marks one."""
    if title_case:
        return any(c.isupper() for c in word[1:]) or not any(c.isalpha() for c in word)
    return any(c.isupper() for c in word) or not any(c.isalpha() for c in word)


# Latin words a headline has at least, to be read as Title Case: the short mixed posts the name rule is for hold
# fewer ('Lumora Pulse Max 배송 빠름': three names; none of tools/langid/short_mixed.tsv has more than two).
TITLE_WORDS = 4


def _title_case(words: list[str]) -> bool:
    """Whether Latin `words` are written in Title Case ('Samsung Unveils New Galaxy Phone At Seoul Event'): at
    least TITLE_WORDS of them, every one with letters capitalised."""
    lettered = [w for w in words if any(c.isalpha() for c in w)]
    return len(lettered) >= TITLE_WORDS and all(w[0].isupper() for w in lettered)


def focus_text(text: str) -> str:
    """What of a post's words to detect the language on: its non-Latin words alone when the post has some and
    its Latin words are mostly names (fewer plain Latin words than non-Latin words), else the whole text.

    'Lumora Pulse 과열' is Korean, 'Halo норм' Russian or Ukrainian by the Cyrillic word: among the supported
    languages Hangul is only Korean, kana only Japanese, Cyrillic only Russian or Ukrainian, and the product
    names around them say nothing. A longer post in a Latin-script language quoting a foreign word keeps
    its whole text (its plain Latin words outnumber the quote), a Title Case headline included ('Samsung Unveils
    New Galaxy Phone At Seoul Event In 서울' is English: there every word is capitalised, names or not)."""
    others = _OTHER_LETTERS.findall(text)
    if not others:
        return text
    latin = _LATIN_WORD.findall(text)
    title_case = _title_case(latin)
    plain = sum(1 for word in latin if not _is_name(word, title_case))
    weight = sum(max(1, len(_UNSPACED.findall(run)) // 2) if _UNSPACED.search(run) else 1 for run in others)
    return " ".join(others) if plain < weight else text


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None if it has no letters to go on besides URLs and @handles."""
    return detect_languages([text])[0]


def detect_languages(texts: Sequence[str]) -> list[str | None]:
    """`detect_language` for many texts, using lingua's parallel batch API."""
    words = [focus_text(language_text(t)) for t in texts]
    results: list[str | None] = [None] * len(texts)
    todo = [i for i, t in enumerate(words) if any(ch.isalpha() for ch in t)]
    if todo:
        found = _detector().detect_languages_in_parallel_of([words[i] for i in todo])
        for i, language in zip(todo, found, strict=True):
            results[i] = _code(language)
    return results


def fill_languages(texts: Sequence[str], langs: Sequence[str | None] | None) -> list[str | None]:
    """`langs` with every missing entry (or all, when None) detected from its text; given ones kept."""
    out = list(langs) if langs is not None else [None] * len(texts)
    todo = [i for i, lang in enumerate(out) if lang is None]
    for i, lang in zip(todo, detect_languages([texts[i] for i in todo]) if todo else [], strict=True):
        out[i] = lang
    return out
