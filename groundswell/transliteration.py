"""Spelling a Latin brand name in other scripts, as candidates for `brands suggest` (never applied on their own).

- ru: the `transliterate` package (Latin -> Cyrillic, letter by letter): Lumora -> Лумора.
- ja: the `jaconv` package reads the name as romaji: Lumora -> ルモラ.
- ko: no usable package (Sseugi, the one Latin -> Hangul converter on PyPI, gives 룸올아 for
  Lumora), so a small syllabifier below writes each consonant + vowel as one Hangul block
  with the loanword consonants (k -> ㅋ, t -> ㅌ, p -> ㅍ, l/r -> ㄹ): Lumora -> 루모라.
- zh: none. A Chinese brand name is chosen (by sound and meaning), not derived: 露莫拉 is one
  of many. Pinyin libraries go the other way (characters -> Latin) and cannot propose one;
  pass the company's own Chinese name with `--candidate` to see what it would add.

Every candidate is a guess: `brands suggest` shows how many stored mentions each would add,
so the user keeps the ones real posts use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NO_CHINESE = (
    "zh: no candidate: Chinese brand names are chosen, not transliterated; "
    "pass the official one with --candidate NAME"
)


@dataclass(frozen=True)
class Candidate:
    lang: str
    text: str
    how: str  # the library or rule that proposed it


def candidates(name: str) -> tuple[list[Candidate], list[str]]:
    """Transliterations of a Latin-script `name` for ru, ja, ko, and notes on what could not be proposed."""
    out: list[Candidate] = []
    notes: list[str] = []
    spoken = respell(name)
    for propose in (_russian, _japanese, _korean):
        try:
            found = propose(spoken)
        except ImportError as exc:
            notes.append(str(exc))
            continue
        if found:
            out.append(found)
    notes.append(NO_CHINESE)
    return out, notes


def respell(name: str) -> str:
    """English spellings the letter-by-letter converters misread, as they sound: qu/q/ck -> k, x -> ks."""
    text = name
    for written, sound in (("qu", "k"), ("Qu", "K"), ("ck", "k"), ("q", "k"), ("Q", "K"), ("x", "ks"), ("X", "Ks")):
        text = text.replace(written, sound)
    return text


def _russian(name: str) -> Candidate | None:
    try:
        from transliterate import translit  # noqa: PLC0415 - optional, only this command uses it
    except ImportError:
        raise ImportError("ru: install the transliterate package for Cyrillic candidates") from None
    text = translit(name, "ru")
    return Candidate("ru", text, "transliterate") if not re.search(r"[A-Za-z]", text) else None


def _japanese(name: str) -> Candidate | None:
    try:
        import jaconv  # noqa: PLC0415 - optional, only this command uses it
    except ImportError:
        raise ImportError("ja: install the jaconv package for Katakana candidates") from None
    text = jaconv.hira2kata(jaconv.alphabet2kana(name.lower()))
    # Letters romaji has no reading for stay Latin, and consonant clusters become a run of ッ: no candidate then.
    unreadable = re.search(r"[a-z]", text) or "ッッ" in text or text.startswith("ッ") or text.endswith("ッ")
    return None if unreadable else Candidate("ja", text, "jaconv (romaji reading)")


def _korean(name: str) -> Candidate | None:
    text = to_hangul(name)
    return Candidate("ko", text, "syllabifier (groundswell/transliteration.py)") if text else None


# Loanword onsets (index into the 19 initial jamo) and codas (index into the 28 finals).
_ONSET = {
    "k": 15, "c": 15, "q": 15, "g": 0, "t": 16, "d": 3, "p": 17, "f": 17, "b": 7, "v": 7, "n": 2, "l": 5,
    "r": 5, "m": 6, "s": 9, "z": 12, "j": 12, "h": 18, "ch": 14, "sh": 9, "th": 16, "ph": 17, "ng": 11, "": 11,
}
# Only nasals, liquids and k close a block; other stops get their own block with ㅡ (Brandt -> 브란드트).
_CODA = {"n": 4, "m": 16, "l": 8, "r": 8, "ng": 21, "k": 1, "c": 1}
_VOWEL = {
    "a": 0, "ae": 1, "ya": 2, "e": 5, "ye": 7, "o": 8, "wa": 9, "oi": 11, "yo": 12, "u": 13, "wo": 14,
    "we": 15, "wi": 16, "yu": 17, "eu": 18, "i": 20, "y": 20, "ou": 13, "ee": 20, "oo": 13,
}
_UNIT = re.compile(r"ch|sh|th|ph|ng|[bcdfghjklmnpqrstvxz]|ya|ye|yo|yu|wa|we|wi|wo|ae|oi|eu|ou|ee|oo|[aeiouy]")


def to_hangul(name: str) -> str:
    """A rough Hangul spelling of a Latin word (consonant + vowel per block); '' when it has no Latin letters."""
    units = _UNIT.findall(respell(name).lower())
    blocks: list[list[int]] = []  # [initial, medial, final]
    i = 0
    while i < len(units):
        unit = units[i]
        nxt = units[i + 1] if i + 1 < len(units) else None
        if unit in _VOWEL:
            blocks.append([_ONSET[""], _VOWEL[unit], 0])
        elif nxt in _VOWEL:
            blocks.append([_ONSET[unit], _VOWEL[nxt], 0])
            i += 1
        elif blocks and blocks[-1][2] == 0 and unit in _CODA:
            blocks[-1][2] = _CODA[unit]
        else:  # a consonant with no vowel to lean on: written with ㅡ, as loanwords do
            blocks.append([_ONSET[unit], _VOWEL["eu"], 0])
        i += 1
    return "".join(chr(0xAC00 + (a * 21 + b) * 28 + c) for a, b, c in blocks)
