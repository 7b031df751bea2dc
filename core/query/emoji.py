"""Which characters are symbol tokens (emoji and other pictographs), and how they are cut and compared.

Rules (docs/query-language.md, "Emoji and cashtags"), after NFKC normalisation:
- A symbol is a character of Unicode category So (emoji, ★, ✓, ♥, ☕ ...), or a code point of the emoji
  planes (U+1F000-U+1FFFD) this Python's Unicode tables do not know yet (newer emoji: they come out
  as unassigned, and would otherwise be dropped). Exceptions: © ® ℗ and °, which decorate words and
  numbers ("Lumora® Pulse", "25°C") and stay punctuation, so those phrases read as before.
- Every symbol is a token of its own, with or without spaces around it ("太烫了😡" is 太 烫 了 😡,
  "😡😡" two tokens), like a Han character.
- What draws one emoji is one token: a symbol with its variation selector, skin-tone modifier, keycap
  mark or tag characters, symbols joined by ZWJ (👨‍👩‍👧, ❤️‍🔥), and a pair of regional indicators (a flag, 🇫🇷).
- Skin-tone modifiers and the text/emoji presentation selectors (U+FE0E, U+FE0F) never decide a match, in
  either direction, as Latin accents do not (`text.fold` drops them): 👍 finds 👍🏽 and 👍🏽 finds 👍.
  The rest of a ZWJ sequence does: ❤️ does not find ❤️‍🔥, a different emoji.
"""

from __future__ import annotations

import re
import unicodedata

from core.query.char_class import char_class

# Symbols that decorate a word or a number: punctuation, as before emoji were tokens.
WORD_DECORATIONS = "©®℗°"
# Newer emoji than this Python's Unicode tables: unassigned code points in the emoji planes count as symbols.
_EMOJI_PLANES = range(0x1F000, 0x1FFFE)
_REGIONAL = "\U0001f1e6-\U0001f1ff"
_SKIN_TONES = "\U0001f3fb-\U0001f3ff"
# Text/emoji presentation selectors and skin tones: how an emoji is drawn, not which one (folded away).
PRESENTATION = frozenset("\ufe0e\ufe0f" + "".join(chr(c) for c in range(0x1F3FB, 0x1F400)))
_ZWJ = "\u200d"
# What may follow a symbol inside one emoji: variation selectors, enclosing marks (keycap), skin tones, tags.
_EXTEND = rf"[\ufe00-\ufe0f\u20dd-\u20e4{_SKIN_TONES}\U000e0020-\U000e007f\U000e0100-\U000e01ef]"


def _symbol_ranges() -> str:
    """A character class body of the symbols (see the module docstring), per this Python's `unicodedata`."""
    codes = [
        cp
        for cp in range(0x20000)
        if (unicodedata.category(chr(cp)) == "So" or (cp in _EMOJI_PLANES and unicodedata.category(chr(cp)) == "Cn"))
        and chr(cp) not in WORD_DECORATIONS
        and not 0x1F3FB <= cp <= 0x1F3FF
    ]
    return char_class(codes)


_SYMBOL = f"[{_symbol_ranges()}]"
_ONE = rf"{_SYMBOL}{_EXTEND}*"
# One emoji: a flag (two regional indicators), or symbols joined by ZWJ, each with its modifiers.
SYMBOL_TOKEN = rf"[{_REGIONAL}]{{2}}|{_ONE}(?:{_ZWJ}{_ONE})*"
SYMBOL_CHARS = re.compile(_SYMBOL)
