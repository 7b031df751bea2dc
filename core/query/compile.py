"""What the backend compilers share: rendering a relaxed query, quoting words and phrases, the error.

The compilers themselves live beside their backends (`extractors/query_native.py` for X and
Reddit, `indexing/sqlite_query.py` for FTS5, `indexing/elasticsearch_query.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.query.relax import FALSE, TRUE, Expr, Relaxed, has_positive_leaf
from core.query.text import normalize, surface

if TYPE_CHECKING:
    from core.query import Query

_KEYWORDS = {"AND", "OR", "NOT", "NEAR"}


class QueryCompileError(ValueError):
    """The query cannot be expressed as a search on this backend (e.g. it has no positive term)."""


def word_or_phrase(tokens: tuple[str, ...], quoted: bool = False, original: str = "") -> str:
    text = surface(tokens)
    if not quoted and len(tokens) == 1 and text.isalnum() and text.upper() not in _KEYWORDS:
        # Keep the user's spelling when it is just a differently-cased word (searches ignore case).
        return original if original.isalnum() and normalize(original) == text else text
    return '"' + text.replace('"', "") + '"'


def render(expr: Relaxed, and_sep: str, not_prefix: str) -> str:
    assert isinstance(expr, Expr)
    if expr.op == "leaf":
        return expr.value

    def wrap(part: Expr) -> str:
        inner = render(part, and_sep, not_prefix)
        grouped = part.op in ("and", "or") or (part.op == "leaf" and " AND " in part.value)
        return f"({inner})" if grouped else inner

    if expr.op == "not":
        return not_prefix + wrap(expr.parts[0])
    sep = and_sep if expr.op == "and" else " OR "
    return sep.join(wrap(p) for p in expr.parts)


def require_search(expr: Relaxed, backend: str, query: Query, skip=lambda s: False) -> Expr:
    if expr == TRUE or not has_positive_leaf(expr, skip=skip):
        raise QueryCompileError(
            f"query {query.text!r} has no positive term that {backend} search can look for; "
            "add a word, phrase, #hashtag or @handle outside NOT"
        )
    if expr == FALSE:
        raise QueryCompileError(f"query {query.text!r} cannot match anything that {backend} search can express")
    assert isinstance(expr, Expr)
    return expr
