"""Text normalisation applied before any model sees a post."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import cast

# Reused, not copied: a model reads lone surrogates as a stored Mention holds them (U+FFFD).
from core.mention import valid_unicode

URL_PLACEHOLDER = "http"
USER_PLACEHOLDER = "@user"
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# A handle starts after a non-word character (so e-mail addresses keep their @) and may carry a
# Mastodon/Bluesky domain part: @name@server.social, @name.bsky.social.
_HANDLE = re.compile(r"(?<![\w@])@\w(?:[\w.-]*\w)?(?:@[\w.-]*\w)?", re.UNICODE)
_SPACE = re.compile(r"\s+", re.UNICODE)
# Characters with nothing to read: control (Cc) and format (Cf: zero-width space, BOM, invisible separators).
_INVISIBLE = frozenset({"Cc", "Cf"})


def normalize(text: str) -> str:
    """URLs → 'http', @handles → '@user', HTML entities unescaped, whitespace collapsed; emoji kept.

    'http' and '@user' are the placeholders used in the training data, so the models see the
    same tokens at inference time. Lone surrogates (a JSON "\\ud83d" escape: a post cut mid-emoji) become
    U+FFFD, as in a stored Mention: the tokenizers reject them, which would fail a whole batch.
    """
    text = cast(str, valid_unicode(text))
    text = html.unescape(html.unescape(text))  # some exports double-escape (&amp;amp;)
    text = _URL.sub(URL_PLACEHOLDER, text)
    text = _HANDLE.sub(USER_PLACEHOLDER, text)
    return _SPACE.sub(" ", text).strip()


def has_content(text: str) -> bool:
    """Whether `text` has a character to read: anything but whitespace, control and format characters
    (str.strip keeps a zero-width space or a BOM, which a model would then answer from its biases alone)."""
    return any(not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE for ch in text)
