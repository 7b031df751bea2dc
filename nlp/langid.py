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


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None if it has no letters to go on besides URLs and @handles."""
    return detect_languages([text])[0]


def detect_languages(texts: Sequence[str]) -> list[str | None]:
    """`detect_language` for many texts, using lingua's parallel batch API."""
    words = [language_text(t) for t in texts]
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
