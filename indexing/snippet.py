"""The text a search hit shows: one shortening rule and one marking rule for every store, so a post reads the same
on each.

A post up to `WIDTH` characters is shown whole; a longer one is cut to a window of at most `WIDTH` characters that
starts a third of the width before its first match, with "…" where text was left out. The window's ends never
split a grapheme cluster (`core.graphemes`: a family emoji, a flag, a skin tone, an accent stay whole). Matches are
wrapped in `<mark>` and the rest HTML-escaped (the dashboard splits it into plain segments:
`dashboards/web/highlight.py`). What is marked is what the query matched, by the query's own rules
(`query_spans`: `core.query.marked.match_spans`), on SQLite and Elasticsearch alike.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from core.graphemes import boundary_at_or_after, boundary_at_or_before
from core.query import Query
from core.query.marked import match_spans

WIDTH = 240

Span = tuple[int, int]


def snippet(text: str, spans: Sequence[Span], width: int = WIDTH) -> str:
    """HTML-escaped window of `text` (at most `width` characters) with `spans` in `<mark>`, "…" where cut.

    The window starts `width // 3` before the earliest span (at 0 without one). Spans are taken in the
    given order (longer terms first wins an overlap); one outside the window or overlapping a kept one is
    left unmarked."""
    first = min((a for a, _ in spans), default=0)
    # Inward to the nearest cluster boundaries: still at most `width` characters, and a match (which starts and
    # ends on boundaries) inside the window stays inside it.
    start = boundary_at_or_after(text, max(0, first - width // 3))
    end = boundary_at_or_before(text, max(0, first - width // 3) + width)
    marked: list[Span] = []
    for a, b in spans:
        if a >= start and b <= end and all(b <= x or a >= y for x, y in marked):
            marked.append((a, b))
    out, pos = [], start
    for a, b in sorted(marked):
        out.append(html.escape(text[pos:a]) + "<mark>" + html.escape(text[a:b]) + "</mark>")
        pos = b
    out.append(html.escape(text[pos:end]))
    return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")


def query_spans(text: str, query: Query | None, source: str | None = None) -> list[Span]:
    """Where `query` matched in `text` (sorted, non-overlapping): exactly what matching accepted, never a bare
    substring (`core.query.marked`); none without a query."""
    return match_spans(text, query.root, source) if query is not None else []
