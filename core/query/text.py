"""How post text and query terms are cut into tokens, the same way on both sides.

Rules (all after `normalize`: NFKC, invisible characters dropped, case folding):
- Invisible characters never split a word: the soft hyphen, zero-width space, word joiner, invisible
  operators, BOM and the bidi marks and controls are dropped wherever they stand ("Lu&shy;mora" is
  "lumora") but before a #, $ or @ (or a form NFKC makes one of: ＃, ﹟ ...), which they part from a word;
  a zero-width joiner or non-joiner only between two letters of scripts that do not use them (Latin, Greek,
  Cyrillic, Armenian, Georgian, Hangul, Han, kana), so emoji ZWJ sequences and the ZWNJ of Persian or Indic
  words are kept. Arabic tatweel (ـ, a stretch) is dropped too, and the modifier apostrophes ʼ and ʻ are read
  as ', so "dellʼApple" splits as "dell'Apple" does.
- Scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar):
  every character is its own token, so a term made of them matches as a substring
  and "苹果 手机" matches "苹果手机".
- Hangul: a run of Hangul is one token (an eojeol); a query token matches a text token
  that *starts* with it, so particles (삼성은, 삼성이, 삼성의) still match 삼성; an infix (`*과열`) one that
  contains it (core/query/match.py), as Korean writes compounds without spaces (충전중과열됨).
- Everything else (Latin, Cyrillic, digits, ...): runs of word characters; a query
  token matches only the whole text token ("apple" does not match "pineapple").
- Arabic script: runs of Arabic letters (and their marks); where Arabic letters meet other letters or
  digits a new token starts, so a clitic written onto a Latin name ("الـLumora", "وLumora") is a token
  of its own and the name is found. `_` joins Arabic words as it joins Latin ones ("أحقر_الناس" is one
  token, as "lumora_pulse" is).
So a change of script inside a word starts a new token where Hangul, Arabic or an unspaced script meets
another: "LG는" gives "lg", "는".

Accents: search and matching compare tokens *folded* (`fold`): Latin letters lose their
diacritics and a few letters without a decomposition map to ASCII (ø→o, ł→l, æ→ae, œ→oe,
þ→th), so "bateria" matches "batería" and "Lumorá" matches "Lumora", in both directions.
Traditional Han characters are compared as their simplified form, character by character (電池 is
电池, 綠摩拉 is 绿摩拉: Taiwan and Hong Kong write traditional, the mainland simplified), by OpenCC's
character table (core/query/hanzi_table.py; a character with several simplified readings takes the
first). Other scripts are compared as written (Cyrillic й, Greek ά, kana dakuten and Indic vowel
signs carry meaning there), with these exceptions: Russian ё is compared as е, because Russian
text mostly writes ё as е and the Snowball stemmer (core/query/stem.py) turns ё into е too; Arabic
harakat (the optional short-vowel marks: لُومُورَا is لومورا) are dropped as Latin accents are; and the
Arabic-script letters Arabic and Persian writers use interchangeably are one letter (`ARABIC_LETTERS`: أ إ آ ٱ
as ا, ى and Persian ی as ي, ک as ك, ة ۀ ہ ۂ ۃ as ه), as Elasticsearch's Arabic and Persian normalisation fold
them, in every language (so Pashto ی/ي and Uyghur ى/ي are one letter for search).
Query tokens themselves stay unfolded, so native searches (X, Reddit) still get the user's spelling.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from core.query.char_class import char_class
from core.query.emoji import PRESENTATION, SYMBOL_CHARS, SYMBOL_TOKEN
from core.query.hanzi_table import SIMPLIFIED, TRADITIONAL

# Characters of scripts that do not separate words with spaces: one token each.
_NOSPACE = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3005\u3007\u3021-\u3029\u3038-\u303b"  # CJK iteration marks, Hangzhou numerals
    "\u3040-\u309f"  # Hiragana
    "\u30a0-\u30ff\u31f0-\u31ff"  # Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
    "\U00020000-\U0003134f"  # Han extensions
)
_HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"
# Arabic-script letters and digits (Arabic, Persian, Urdu ...): a token of their own, never joined to Latin letters
# or digits written onto them (`TOKEN_PATTERN`). The presentation forms are not listed: NFKC maps them here.
_ARABIC = "\u0600-\u06ff\u0750-\u077f\u0870-\u089f\u08a0-\u08ff"
ARABIC_RANGES = _ARABIC  # as a character class body, for rules that split where a token does (core/query/handles.py)
# The Hangul characters as a character class body (ranges `a-b`): what a Hangul token is made of, for the stores'
# infix search (`*과열`: indexing/elasticsearch_query.py).
HANGUL_RANGES = _HANGUL


def _mark_ranges(planes: int = 2) -> str:
    """A character class body of the combining marks (Mn, Mc, Me) of Unicode planes 0-1 and the
    variation selectors supplement, per this Python's `unicodedata` (the one `\\w` follows too)."""
    codes = [cp for cp in range(0x10000 * planes) if unicodedata.category(chr(cp))[0] == "M"]
    codes += range(0xE0100, 0xE01F0)
    return char_class(codes)


# Combining marks are not `\w`, but they belong to the word they follow: Indic vowel signs and
# viramas (कमला is one word, not कमल + ा) and the dot case folding leaves on İ (i + U+0307).
MARKS = _mark_ranges()
# A word: a word character, then word characters and marks (a mark never starts a token).
WORD = rf"\w[\w{MARKS}]*"
_SPACED_WORD = rf"(?:(?![{_NOSPACE}{_HANGUL}{_ARABIC}])\w)(?:(?![{_NOSPACE}{_HANGUL}{_ARABIC}])[\w{MARKS}])*"
# `_` joins Arabic words as it joins Latin ones (`#أحقر_الناس` is one token, as `#lumora_pulse` is): only where
# Arabic letters meet Latin letters or digits does a new token start.
_ARABIC_WORD = rf"(?:_*(?=[{_ARABIC}])\w)(?:(?=[{_ARABIC}_])\w|[{MARKS}])*"
# Symbols (emoji, ★, ✓, ♥ ...): each one its own token, as a Han character is (core/query/emoji.py).
TOKEN_PATTERN = re.compile(rf"[{_NOSPACE}]|[{_HANGUL}]+|{_ARABIC_WORD}|{_SPACED_WORD}|{SYMBOL_TOKEN}")
_HANGUL_CHAR = re.compile(rf"[{_HANGUL}]")
_NOSPACE_CHAR = re.compile(rf"[{_NOSPACE}]")

# '#tag' in post text ('@handle' depends on the platform: core/query/handles.py).
HASHTAG_PATTERN = re.compile(rf"(?<![\w&#])[#＃]({WORD})")
# '$tag' (a cashtag, as X links them): '$', a letter, up to 9 more letters or digits, an optional share class
# ('$BRK.B'); not after a word character ('US$5') or '$', not followed by one, except that Han, kana, Hangul
# (scripts that change there, as a token does: '买入$AAPL上涨'). On normalised text ('＄' is '$').
CASHTAG_BODY = r"[a-z][a-z0-9]{0,9}(?:[._][a-z0-9]{1,4})?"
_SPACED_CHAR = rf"[^\W{_NOSPACE}{_HANGUL}]"
CASHTAG_PATTERN = re.compile(rf"(?<!{_SPACED_CHAR})(?<!\$)\$({CASHTAG_BODY})(?!{_SPACED_CHAR}|\$)")
# The classes a change of script splits at, for the @handle forms that end where a token does
# (core/query/handles.py): a word character of a spaced script, and the scripts written without spaces.
SPACED_CHAR, NOSPACE_RANGES = _SPACED_CHAR, _NOSPACE


# Invisible format characters that are never part of a word, dropped wherever they stand: soft hyphen (German
# feeds put `&shy;` inside long words), zero-width space, word joiner, invisible operators, BOM / zero-width
# no-break space, and the bidi marks and controls (LRM, RLM, ALM, embeddings, overrides, isolates). NFKC keeps
# them and they are not `\w`, so each one used to end a word: "Lu\u00admora" was "lu", "mora".
_ALWAYS_INVISIBLE = "\u00ad\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
# Zero-width non-joiner and joiner: meaningful in Persian and Indic words and in emoji sequences (👩‍💻), noise
# between letters of scripts that never join (`_joinless`): dropped only there.
_JOINERS = "\u200c\u200d"
_INVISIBLE_RUN = re.compile(f"[{_ALWAYS_INVISIBLE}{_JOINERS}]+")
# Scripts whose letters a ZWJ / ZWNJ never joins or parts (by the Unicode name of the letter's NFKC form, so
# full-width and mathematical letters count as Latin).
_JOINLESS_SCRIPTS = ("LATIN ", "GREEK ", "CYRILLIC ", "ARMENIAN ", "GEORGIAN ", "HANGUL ", "CJK ", "HIRAGANA ",
                     "KATAKANA ")
# After NFKC, character for character: Arabic tatweel (a stretch of the line, ـ, typographic only; NFKC makes
# it from presentation forms too) goes; the modifier-letter apostrophes ʼ (U+02BC, which autocorrect and some
# keyboards write) and ʻ (U+02BB) are the apostrophe they stand for, so they split words as ' does.
_AFTER_NFKC = (("\u0640", ""), ("\u02bc", "'"), ("\u02bb", "'"))
# What starts a #tag, @handle or $tag once NFKC has run (＃, ﹟, ＠, ﹫, ＄ and ﹩ become these): each must not follow a
# word character, so an invisible character right before one is kept (`_invisible`).
_SIGILS = "#@$"


@lru_cache(maxsize=4096)
def _joinless(ch: str) -> bool:
    """Whether `ch` is a letter of a script that has no use for ZWJ / ZWNJ (`_JOINLESS_SCRIPTS`)."""
    if not unicodedata.category(ch).startswith("L"):
        return False
    return unicodedata.name(unicodedata.normalize("NFKC", ch)[0], "").startswith(_JOINLESS_SCRIPTS)


def _joinless_before(text: str, at: int) -> bool:
    """Whether the letter before `text[at]` (past its combining marks: é written e + U+0301) is `_joinless`."""
    k = at - 1
    while k >= 0 and unicodedata.category(text[k]).startswith("M"):
        k -= 1
    return k >= 0 and _joinless(text[k])


def _invisible(text: str) -> set[int]:
    """Indices of the characters of `text` that `normalize` drops before NFKC (the module rules)."""
    if text.isascii() or text.isprintable():  # every one of them is a format character (Cf): not printable
        return set()
    found: set[int] = set()
    for m in _INVISIBLE_RUN.finditer(text):
        start, end = m.span()
        if end < len(text) and unicodedata.normalize("NFKC", text[end]).startswith(tuple(_SIGILS)):
            continue  # it parts a word from a #tag, $tag or @handle, which a word character before would undo
        joiners_go = _joinless_before(text, start) and end < len(text) and _joinless(text[end])
        found.update(k for k in range(start, end) if joiners_go or text[k] not in _JOINERS)
    return found


def plain_text(text: str) -> str:
    """`text` as NFKC, without the characters that never change a word (invisible format characters, Arabic
    tatweel) and with ʼ and ʻ as ': `normalize` before case folding, for readers that keep case (theme words)."""
    if text.isascii():
        return text  # NFKC leaves ASCII as it is, and none of these characters is ASCII
    if dropped := _invisible(text):
        text = "".join(ch for k, ch in enumerate(text) if k not in dropped)
    return _nfkc(text)


def _nfkc(text: str) -> str:
    """`plain_text` less the invisible characters' rule: NFKC, then `_AFTER_NFKC`. `FoldedText` folds character by
    character through here, as it has decided on the whole text which characters go (`_invisible`)."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)
    for old, new in _AFTER_NFKC:  # str.replace scans in C: several times faster than str.translate here
        text = text.replace(old, new)
    return text


def normalize(text: str) -> str:
    """NFKC, invisible characters dropped (`plain_text`), case folding: the form every comparison uses."""
    return plain_text(text).casefold()


def tokenize(text: str) -> list[str]:
    """Tokens of `text` per the module rules (input need not be normalised)."""
    return TOKEN_PATTERN.findall(normalize(text))


# Latin letters with no canonical decomposition, folded as Elasticsearch's asciifolding does.
_LATIN_EXTRA = {"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ŧ": "t"}
# Russian ё is usually written е (and Snowball stems it to е): one letter for search, as for Latin accents.
CYRILLIC_EXTRA = {"ё": "е"}
# Traditional Han -> simplified, one character for one (so folded offsets stay the original's: FoldedText).
HANZI_SIMPLIFIED = dict(zip(TRADITIONAL, SIMPLIFIED, strict=True))
# The simplified characters some traditional one folds to: in text, such a character may stand for either form.
HANZI_FOLDED_TO = frozenset(HANZI_SIMPLIFIED.values())
# Generic combining diacritics; left over only after a base NFKC could not compose them with.
_COMBINING = range(0x0300, 0x0370)
# Arabic harakat (fathatan to the wavy hamza below, and the superscript alef): optional vowel marks, most text
# leaves them out, so they fold away as Latin accents do (لُومُورَا is لومورا).
_HARAKAT = frozenset(chr(c) for c in [*range(0x064B, 0x0660), 0x0670])
# Arabic-script letters that Arabic, Persian and Urdu writers use interchangeably, each folded to one letter, as
# Elasticsearch's `arabic_normalization` and `persian_normalization` (Lucene's) do: alef with hamza above or below,
# with madda and wasla is alef (أبل is ابل); alef maqsura and Farsi yeh are yeh (على, علی are علي); keheh (Persian
# kaf) is kaf (کتاب is كتاب); taa marbuta, heh with yeh above, heh goal and their Urdu forms are heh (مكتبة is
# مكتبه, خانۂ is خانه). One character for one, so `FoldedText` offsets stay the original's.
# The fold has no language (a post's text is folded the same whatever it is tagged), so the yeh pair costs two
# distinctions, a trade-off kept because Arabic and Persian text mixes these forms far more often: Pashto ی/ي
# (سړی "man", سړي "men") and Uyghur ى/ي (the vowel i, the consonant y) are one letter for search
# (docs/query-language.md, "Accents"). Letters only one smaller language has are left alone: Kashmiri ٲ ٳ,
# Urdu ے and ھ, Pashto ې ۍ, Kurdish ە.
ARABIC_LETTERS = {
    "\u0622": "\u0627",  # آ alef with madda
    "\u0623": "\u0627",  # أ alef with hamza above
    "\u0625": "\u0627",  # إ alef with hamza below
    "\u0671": "\u0627",  # ٱ alef wasla
    "\u0649": "\u064a",  # ى alef maqsura
    "\u06cc": "\u064a",  # ی Farsi yeh
    "\u06a9": "\u0643",  # ک keheh
    "\u0629": "\u0647",  # ة taa marbuta
    "\u06c0": "\u0647",  # ۀ heh with yeh above (Persian ezafe; NFKC composes ه + hamza into it)
    "\u06c1": "\u0647",  # ہ heh goal (Urdu)
    "\u06c2": "\u0647",  # ۂ heh goal with hamza above (Urdu izafat; NFKC composes ہ + hamza into it)
    "\u06c3": "\u0647",  # ۃ teh marbuta goal (Urdu's taa marbuta)
}


@lru_cache(maxsize=16384)  # a Chinese corpus alone uses several thousand characters
def _fold_char(ch: str) -> str:
    if ord(ch) in _COMBINING or ch in PRESENTATION or ch in _HARAKAT:
        return ""
    if ch in HANZI_SIMPLIFIED:
        return HANZI_SIMPLIFIED[ch]
    if ch in _LATIN_EXTRA:
        return _LATIN_EXTRA[ch]
    if ch in CYRILLIC_EXTRA:
        return CYRILLIC_EXTRA[ch]
    if ch in ARABIC_LETTERS:
        return ARABIC_LETTERS[ch]
    parts = unicodedata.normalize("NFD", ch)
    if "LATIN" not in unicodedata.name(parts[0], ""):
        return ch  # other scripts keep their marks
    base = "".join(c for c in parts if not unicodedata.combining(c))
    return _LATIN_EXTRA.get(base, base)


def fold(token: str) -> str:
    """A normalised token (or text) without Latin diacritics or Arabic harakat, ё as е, traditional Han as
    simplified, Arabic letter variants as one letter (`ARABIC_LETTERS`): the form search compares."""
    if token.isascii():
        return token
    return "".join(_fold_char(ch) for ch in token)


def simplified(text: str) -> str:
    """`text` with its traditional Han characters simplified (the Han part of `fold`), nothing else changed,
    character for character: theme words, which keep accents and case, still count both scripts as one."""
    return text.translate(_SIMPLIFY)


_SIMPLIFY = str.maketrans(HANZI_SIMPLIFIED)


def search_tokens(text: str) -> list[str]:
    """Tokens of `text`, folded: what query tokens (folded too) are compared with."""
    return [fold(t) for t in tokenize(text)]


@dataclass(frozen=True)
class FoldedText:
    """A text normalised and folded character by character, with where each folded character came from,
    so that what is found in the folded form can be given back as offsets in the original."""

    folded: str
    origin: list[int]  # origin[k]: index in the original text of folded character k

    @classmethod
    def of(cls, text: str) -> FoldedText:
        chars: list[str] = []
        origin: list[int] = []
        # Invisible characters are found on the whole text (whether a ZWJ goes depends on its neighbours, whether
        # a zero-width space goes on whether a '#' follows); a dropped character, like a folded-away accent, simply
        # has no folded character. The kept ones are folded without that rule (`_nfkc`): on its own, a kept
        # zero-width space before '#' has nothing after it and would go, leaving 'great#lumora', no hashtag.
        dropped = _invisible(text)
        for i, ch in enumerate(text):
            if i in dropped:
                continue
            for c in fold(_nfkc(ch).casefold()):
                chars.append(c)
                origin.append(i)
        return cls("".join(chars), origin)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of folded characters [start, end)."""
        return self.origin[start], self.origin[end - 1] + 1


def fold_spans(text: str, needle: str) -> list[tuple[int, int]]:
    """(start, end) offsets in `text` of every case- and accent-insensitive occurrence of `needle`."""
    target = fold(normalize(needle))
    if not target:
        return []
    cut = FoldedText.of(text)
    spans: list[tuple[int, int]] = []
    at = cut.folded.find(target)
    while at >= 0:
        end = at + len(target)
        spans.append(cut.span(at, end))
        at = cut.folded.find(target, end)
    return spans


def is_hangul(token: str) -> bool:
    return bool(_HANGUL_CHAR.match(token))


def is_nospace(token: str) -> bool:
    return bool(_NOSPACE_CHAR.match(token))


def is_symbol(token: str) -> bool:
    """Whether a token is a symbol (an emoji, a ZWJ sequence, a flag, ★ ...), not a word."""
    return bool(token) and bool(SYMBOL_CHARS.match(token))


def token_matches(query_token: str, text_token: str) -> bool:
    """Whether one query token matches one text token (prefix for Hangul, whole token otherwise)."""
    if is_hangul(query_token):
        return text_token.startswith(query_token)
    return text_token == query_token


def hashtags(text: str) -> set[str]:
    """Normalised hashtag bodies in `text` ('#Galaxy' -> 'galaxy')."""
    return {m.group(1) for m in HASHTAG_PATTERN.finditer(normalize(text))}


def cashtags(text: str) -> set[str]:
    """Normalised cashtag bodies in `text` ('$AAPL' -> 'aapl')."""
    return {m.group(1) for m in CASHTAG_PATTERN.finditer(normalize(text))}


def surface(tokens: tuple[str, ...] | list[str]) -> str:
    """Tokens back to text: spaces between words, none between characters of unspaced scripts."""
    out = ""
    for i, tok in enumerate(tokens):
        if i and not (is_nospace(tok) and is_nospace(tokens[i - 1])):
            out += " "
        out += tok
    return out
