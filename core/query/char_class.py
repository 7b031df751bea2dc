"""Regular-expression character classes built from this Python's Unicode tables."""

from __future__ import annotations

import re
from collections.abc import Iterable


def char_class(codes: Iterable[int]) -> str:
    """The body of a character class (`[...]` without the brackets) matching exactly `codes` (ascending code
    points), written as ranges: `a-z` rather than 26 characters."""
    ranges: list[list[int]] = []
    for cp in codes:
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
