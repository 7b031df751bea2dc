"""The text a search hit shows: one shortening rule for every store, so a post reads the same on each.

A post up to `WIDTH` characters is shown whole; a longer one is cut to a `WIDTH`-character window that starts
a third of the width before its first match, with "…" where text was left out. Matches are wrapped in
`<mark>` and the rest HTML-escaped (the dashboard splits it into plain segments: `dashboards/web/highlight.py`).
The SQLite store finds the matches itself (`term_spans`); Elasticsearch marks the whole text and
`es_spans` reads its marks back.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from core.query.text import fold_spans

WIDTH = 240
_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)

Span = tuple[int, int]


def snippet(text: str, spans: Sequence[Span], width: int = WIDTH) -> str:
    """HTML-escaped window of `text` (at most `width` characters) with `spans` in `<mark>`, "…" where cut.

    The window starts `width // 3` before the earliest span (at 0 without one). Spans are taken in the
    given order (longer terms first wins an overlap); one outside the window or overlapping a kept one is
    left unmarked."""
    first = min((a for a, _ in spans), default=0)
    start = max(0, first - width // 3)
    end = start + width
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


def term_spans(text: str, terms: Iterable[str]) -> list[Span]:
    """Every case- and accent-insensitive occurrence of the terms (as matching is), longer terms first."""
    return [span for term in sorted((t for t in terms if t), key=len, reverse=True) for span in fold_spans(text, term)]


def es_spans(text: str, marked: str) -> list[Span] | None:
    """The spans of a whole-text Elasticsearch highlight (`number_of_fragments: 0`, HTML-encoded, `<mark>`
    tags), as offsets in `text`; None when the highlight is not `text` itself (then the caller finds the
    matches with `term_spans`, as the SQLite store does)."""
    spans: list[Span] = []
    plain: list[str] = []
    pos = at = 0
    for match in _MARK.finditer(marked):
        before = html.unescape(marked[pos : match.start()])
        hit = html.unescape(match.group(1))
        plain += [before, hit]
        at += len(before)
        spans.append((at, at + len(hit)))
        at += len(hit)
        pos = match.end()
    plain.append(html.unescape(marked[pos:]))
    return spans if "".join(plain) == text else None
