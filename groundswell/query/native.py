"""Compilers to the search syntaxes of X, Reddit and SQLite FTS5 (superset semantics, see relax.py)."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from groundswell.query.ast import Handle, Hashtag, Lang, Node, Term
from groundswell.query.relax import FALSE, TRUE, Expr, Relaxed, has_positive_leaf, relax
from groundswell.query.text import fold, is_hangul, normalize, surface, tokenize

if TYPE_CHECKING:
    from groundswell.query import Query

_KEYWORDS = {"AND", "OR", "NOT", "NEAR"}


class QueryCompileError(ValueError):
    """The query cannot be expressed as a search on this backend (e.g. it has no positive term)."""


def _word_or_phrase(tokens: tuple[str, ...], quoted: bool = False, original: str = "") -> str:
    text = surface(tokens)
    if not quoted and len(tokens) == 1 and text.isalnum() and text.upper() not in _KEYWORDS:
        # Keep the user's spelling when it is just a differently-cased word (searches ignore case).
        return original if original.isalnum() and normalize(original) == text else text
    return '"' + text.replace('"', "") + '"'


def _render(expr: Relaxed, and_sep: str, not_prefix: str) -> str:
    assert isinstance(expr, Expr)
    if expr.op == "leaf":
        return expr.value

    def wrap(part: Expr) -> str:
        inner = _render(part, and_sep, not_prefix)
        grouped = part.op in ("and", "or") or (part.op == "leaf" and " AND " in part.value)
        return f"({inner})" if grouped else inner

    if expr.op == "not":
        return not_prefix + wrap(expr.parts[0])
    sep = and_sep if expr.op == "and" else " OR "
    return sep.join(wrap(p) for p in expr.parts)


def _require_search(expr: Relaxed, backend: str, query: Query, skip=lambda s: False) -> Expr:
    if expr == TRUE or not has_positive_leaf(expr, skip=skip):
        raise QueryCompileError(
            f"query {query.text!r} has no positive term that {backend} search can look for; "
            "add a word, phrase, #hashtag or @handle outside NOT"
        )
    if expr == FALSE:
        raise QueryCompileError(f"query {query.text!r} cannot match anything that {backend} search can express")
    assert isinstance(expr, Expr)
    return expr


def _x_leaf(node: Node, upper: bool) -> str | None:
    if isinstance(node, Term):
        return _word_or_phrase(node.tokens, node.quoted, node.text)
    if isinstance(node, Hashtag):
        return f"#{node.tag}"
    if isinstance(node, Handle):
        if node.handle.replace("_", "").isalnum():
            return f"@{node.handle}"
        # A fediverse/Bluesky handle is no X username: its words as a phrase are a superset.
        return _word_or_phrase(tuple(tokenize(node.handle)), quoted=True) if upper else None
    if isinstance(node, Lang):
        return f"lang:{node.code}"
    return None


def to_x(query: Query) -> str:
    """X API v2 search query (space = AND, OR, -negation, "phrases", #, @, lang:); NEAR becomes AND."""
    expr = _require_search(relax(query.root, _x_leaf), "X", query, skip=lambda s: s.startswith("lang:"))
    return _render(expr, " ", "-")


def _reddit_leaf(node: Node, upper: bool) -> str | None:
    if isinstance(node, Term):
        return _word_or_phrase(node.tokens, node.quoted, node.text)
    if isinstance(node, Hashtag | Handle) and upper:
        # Reddit has no hashtag/mention search: the bare words are a superset.
        body = node.tag if isinstance(node, Hashtag) else node.handle
        return _word_or_phrase(tuple(tokenize(body)))
    return None  # lang: (and negated #/@) cannot be expressed


def to_reddit(query: Query) -> str:
    """Reddit search syntax (AND, OR, NOT, parentheses, "phrases"); lang:, NEAR, #, @ relaxed."""
    return _render(_require_search(relax(query.root, _reddit_leaf), "Reddit", query), " AND ", "NOT ")


def _fts5_segments(tokens: tuple[str, ...] | list[str]) -> list[str]:
    """Substrings of `fts5_document(text)` that every match of these tokens must contain.

    Tokens are folded as the document is. A Hangul query token matches a text token that
    only starts with it, so it ends a segment.
    """
    segments, current = [], []
    for tok in tokens:
        current.append(fold(tok))
        if is_hangul(tok):
            segments.append(" ".join(current))
            current = []
    if current:
        segments.append(" ".join(current))
    return [s for s in segments if len(s) >= 3]  # trigram FTS cannot look for shorter strings


def _raw_safe(token: str) -> bool:
    """A token SQLite's own case folding finds verbatim in un-normalised text.

    Matching ignores Latin accents, so a token with any Latin letter may appear in the raw
    text with accents the query lacks ('bateria' in 'batería'): such tokens are left out of
    raw-text prefilters (they stay in the exact post-filter).
    """
    return len(token) >= 3 and not any(ch.isalpha() and "LATIN" in unicodedata.name(ch, "LATIN") for ch in token)


def _fts5_leaf_for(normalized: bool):
    def leaf(node: Node, upper: bool) -> str | None:
        if isinstance(node, Term):
            tokens: tuple[str, ...] | list[str] = node.tokens
        elif isinstance(node, Hashtag):
            tokens = tokenize(node.tag)
        elif isinstance(node, Handle):
            tokens = tokenize(node.handle)
        else:
            return None
        if not upper:
            return None  # never needed: NOT is relaxed away before leaves are reached negated
        segments = _fts5_segments(tokens) if normalized else [t for t in tokens if _raw_safe(t)]
        if not segments:
            return None
        return " AND ".join('"' + s.replace('"', '""') + '"' for s in segments)

    return leaf


def to_fts5(query: Query, normalized: bool = False) -> str | None:
    """FTS5 MATCH expression for a `tokenize='trigram'` table, a SUPERSET of the true matches.

    normalized=True: the FTS column holds `fts5_document(text)`; phrases and Han/Kana terms
    prefilter well and the superset is exact. normalized=False: the column holds the raw
    text; only single tokens of 3+ characters are used (no prefilter for short CJK terms).
    Post-filter the candidates with `Query.matches`. None when no prefilter is safe (only
    short terms, only negations, only lang:).
    """
    expr = relax(query.root, _fts5_leaf_for(normalized), supports_not=False)
    if not isinstance(expr, Expr):
        return None  # TRUE: nothing to prefilter on; FALSE cannot happen without NOT
    return _render(expr, " AND ", "NOT ")


def search_terms(query: Query) -> list[str]:
    """Keyword searches whose union covers every match, for APIs without boolean search.

    An OR needs each branch covered; an AND only its cheapest branch. Words come out bare,
    phrases "quoted", hashtags as #tag, handles as @handle. Raises QueryCompileError when
    a match may contain none of the query's positive terms (e.g. 'NOT x' or 'lang:ko').
    """
    cover = _cover(query.root)
    if cover is None:
        raise QueryCompileError(
            f"query {query.text!r} has no positive term to search for; add a word, phrase, #hashtag or @handle"
        )
    return list(dict.fromkeys(cover))


def _cover(node: Node) -> list[str] | None:
    from groundswell.query.ast import And, Near, Or

    if isinstance(node, Term):
        return [_word_or_phrase(node.tokens, node.quoted, node.text)]
    if isinstance(node, Hashtag | Handle):
        return [str(node)]
    if isinstance(node, Near):
        return _cover(node.left)
    if isinstance(node, Or):
        parts = [_cover(i) for i in node.items]
        return None if any(p is None for p in parts) else [t for p in parts for t in p]  # type: ignore[union-attr]
    if isinstance(node, And):
        options = [c for c in (_cover(i) for i in node.items) if c is not None]
        return min(options, key=len) if options else None
    return None  # Lang, Not: nothing to search for
