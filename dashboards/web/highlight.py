"""Highlighted snippets as plain segments, so the browser never renders post text as HTML.

Stores return HTML-escaped snippets with `<mark>` around matches, cut by one rule
(`indexing/snippet.py`: a short post whole). Post text is untrusted, so instead of passing
HTML to the page we split it into `[{"text": ..., "hit": bool}]` (unescaped)
and the page builds DOM text nodes. Without a query the whole text is shown;
when a store gives no marks, the query's matches are marked in the whole text by the rule the
stores mark with (`core.query.marked.match_spans`: what matching accepted, never a bare substring).
"""

from __future__ import annotations

import html
import re

from core.query import QuerySyntaxError, parse
from core.query.marked import match_spans

_TAG = re.compile(r"<(mark|em|b|strong)>(.*?)</\1>", re.IGNORECASE | re.DOTALL)

Segments = list[dict[str, object]]


def from_store(highlight: str) -> Segments:
    """Split a store's tagged highlight into segments (tags other than the marks stay literal text)."""
    segments: Segments = []
    pos = 0
    for match in _TAG.finditer(highlight):
        if match.start() > pos:
            segments.append({"text": html.unescape(highlight[pos : match.start()]), "hit": False})
        segments.append({"text": html.unescape(match.group(2)), "hit": True})
        pos = match.end()
    if pos < len(highlight):
        segments.append({"text": html.unescape(highlight[pos:]), "hit": False})
    return segments


def from_query(text: str, query: str | None) -> Segments:
    """Segments of `text` with what `query` matched in it marked (none for no query, or one that does not
    parse), by the query's own rules: `app` marks app, not Dis·app·ointed; `Люмора~ru` marks Люморы too."""
    try:
        spans = match_spans(text, parse(query).root) if query else []
    except QuerySyntaxError:
        spans = []
    if not spans:
        return [{"text": text, "hit": False}]
    segments: Segments = []
    pos = 0
    for a, b in spans:
        if a > pos:
            segments.append({"text": text[pos:a], "hit": False})
        segments.append({"text": text[a:b], "hit": True})
        pos = b
    if pos < len(text):
        segments.append({"text": text[pos:], "hit": False})
    return segments


def segments_for(text: str, store_highlight: str | None, query: str | None) -> Segments:
    """Segments of a search hit: the store's marked snippet when a query matched, else the text."""
    if query and store_highlight and _TAG.search(store_highlight):
        return from_store(store_highlight)
    return from_query(text, query)
