"""One spelling per language: the base ISO 639-1 code every stage compares (`ko`, never `ko-KR`, `KO`, `zh-Hant`).

Sources tag posts their own way (Mastodon `ko`, an export `ko-KR` or `KO`, Bluesky `zh-Hant`, a feed `it-IT`),
while the language detector (nlp/langid.py) names base codes. Stored as written, one language would split in
the store's facets, its `lang=` filter and Korean tokenising, so `Mention` keeps the base code (`lang_tag`).
"""

from __future__ import annotations

import re

# What the query language and the dashboard call a post without a language (`lang:unknown`, `lang=unknown`):
# the stores' facets already count such posts under this name.
UNKNOWN_LANG = "unknown"

# Retired ISO 639-1 codes some sources still send, as the detector names them.
_RETIRED = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}
# No language at all: undetermined, no linguistic content, or our own name for "none".
_NONE = {"und", "zxx", "mul", "mis", UNKNOWN_LANG}
_TAG = re.compile(r"[a-z]{2,3}")


def lang_tag(tag: str | None) -> str | None:
    """The base language code of a source's tag (`ko-KR`, `KO`, `zh_TW`, `zh-Hant` → `ko`, `ko`, `zh`, `zh`);
    None for no tag, an undetermined one (`und`, `zxx`) or one that is no language code."""
    if not tag or not isinstance(tag, str):
        return None
    base = re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]
    if base in _NONE or not _TAG.fullmatch(base):
        return None
    return _RETIRED.get(base, base)


def filter_lang(value: str) -> str | None:
    """The stored language a `lang=` filter selects: the base code of `value` (`ko-KR` → `ko`), or None for
    UNKNOWN_LANG, which selects the posts without a language. A value that is no language tag stays as given
    (it selects nothing, as before)."""
    if value.strip().lower() == UNKNOWN_LANG:
        return None
    return lang_tag(value) or value
