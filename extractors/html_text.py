"""HTML fragments (Mastodon statuses, HN comments, feed summaries) to plain text."""

from __future__ import annotations

import html
import re

_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h\d)\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n+")


def html_to_text(fragment: str | None) -> str:
    """Tags dropped, entities decoded, paragraphs and <br> kept as line breaks."""
    if not fragment:
        return ""
    text = _BREAK.sub("\n", fragment)
    text = html.unescape(_TAG.sub("", text))
    text = _SPACES.sub(" ", text)
    return _LINES.sub("\n\n", text).strip()
