"""Where a text may be cut without splitting what a reader sees as one character (a grapheme cluster).

A cut inside a cluster shows half of it: a family emoji (👨‍👩‍👧, joined by ZERO WIDTH JOINER) as a lone man, a
flag as a letter in a box, a thumbs-up without its skin tone, an accent or Indic vowel sign without its letter.
The runtime has no grapheme library (`regex`'s \\X comes only with the training tools), so this is the small
rule that covers those: a combining mark, ZWJ/ZWNJ, a variation selector, a skin tone or an emoji tag never
starts a cluster; the character after a ZWJ or a virama joins it; regional indicators pair into flags; CR LF and Hangul
conjoining jamo stay whole.
"""

from __future__ import annotations

import re
import unicodedata

from core.query.text import MARKS

# Continues the cluster before it: marks (with the variation selectors), ZWNJ/ZWJ, VS1-16, skin tones, emoji tags,
# Hangul vowel and final jamo.
_EXTEND = re.compile(rf"[{MARKS}\u200c\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\u1160-\u11ff"
                     r"\ud7b0-\ud7ff]")
_REGIONAL = re.compile(r"[\U0001f1e6-\U0001f1ff]")
_LEADING_JAMO = re.compile(r"[\u1100-\u115f\ua960-\ua97f]")
_HANGUL = re.compile(r"[\u1100-\u115f\ua960-\ua97f\uac00-\ud7a3]")


def is_boundary(text: str, i: int) -> bool:
    """Whether `text[:i]` and `text[i:]` split no grapheme cluster (the ends always may be cut)."""
    if i <= 0 or i >= len(text):
        return True
    prev, ch = text[i - 1], text[i]
    if _EXTEND.match(ch) or prev == "\u200d" or (prev == "\r" and ch == "\n"):
        return False
    if _LEADING_JAMO.match(prev) and _HANGUL.match(ch):
        return False
    if unicodedata.combining(prev) == 9 and ch.isalpha():  # a virama joins the next consonant (न्द: one conjunct)
        return False
    if _REGIONAL.match(prev) and _REGIONAL.match(ch):
        run = 0  # regional indicators before i: an odd run means text[i] is the second half of a flag
        while run < i and _REGIONAL.match(text[i - 1 - run]):
            run += 1
        return run % 2 == 0
    return True


def boundary_at_or_before(text: str, i: int) -> int:
    """The last cut point at or before `i`."""
    i = max(0, min(i, len(text)))
    while not is_boundary(text, i):
        i -= 1
    return i


def boundary_at_or_after(text: str, i: int) -> int:
    """The first cut point at or after `i`."""
    i = max(0, min(i, len(text)))
    while not is_boundary(text, i):
        i += 1
    return i
