"""Text normalisation applied before any model sees a post."""

from __future__ import annotations

import html
import re

URL_PLACEHOLDER = "http"
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# A handle starts after a non-word character (so e-mail addresses keep their @) and may carry a
# Mastodon/Bluesky domain part: @name@server.social, @name.bsky.social.
_HANDLE = re.compile(r"(?<![\w@])@\w(?:[\w.-]*\w)?(?:@[\w.-]*\w)?", re.UNICODE)
_SPACE = re.compile(r"\s+", re.UNICODE)


def normalize(text: str) -> str:
    """URLs → 'http', @handles → '@user', HTML entities unescaped, whitespace collapsed; emoji kept.

    'http' and '@user' are the placeholders used in the training data, so the models see the
    same tokens at inference time.
    """
    text = html.unescape(html.unescape(text))  # some exports double-escape (&amp;amp;)
    text = _URL.sub(URL_PLACEHOLDER, text)
    text = _HANDLE.sub("@user", text)
    return _SPACE.sub(" ", text).strip()
