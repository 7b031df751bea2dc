"""Terms for the SQLite store's significant terms (indexing/terms.py)."""

from __future__ import annotations

from indexing.terms import tokenize


def test_indic_words_keep_their_vowel_signs() -> None:
    # A vowel sign or virama is a combining mark, not `\w`: without it 'कमला' was the term 'कमल'.
    assert tokenize("कमला आई हिन्दी में") == ["कमला", "आई", "हिन्दी", "में"]
