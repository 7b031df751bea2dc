"""HTML fragments (Mastodon statuses, HN comments, feed summaries) to plain text."""

from __future__ import annotations

import html
import re

# Block tags, opening or closing, and <br>, end a line: Hacker News separates paragraphs with an opening <p> only
# ("one<p>two"), Mastodon wraps each in <p>…</p>. A run of them (with only white space between: "</p>\n<p>") is one
# break, so a paragraph ends a line as before, whichever way it is marked; <br> counts each, so "<br><br>" stays a
# blank line.
_BLOCK = r"/?\s*(?:p|div|li|ul|ol|blockquote|h[1-6]|pre|tr|table|hr)\b[^>]*"
_BREAK = re.compile(rf"(?:<\s*{_BLOCK}>\s*)+|<\s*br\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n+")


def html_to_text(fragment: str | None) -> str:
    """Tags dropped, entities decoded, paragraphs, block elements and <br> kept as line breaks."""
    if not fragment:
        return ""
    text = _BREAK.sub("\n", fragment)
    text = html.unescape(_TAG.sub("", text))
    text = _SPACES.sub(" ", text)
    return _LINES.sub("\n\n", text).strip()
