"""Compilers to the search syntaxes of X and Reddit, and keyword covers for APIs without boolean search."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.lang_tags import UNKNOWN_LANG
from core.query.ast import And, Cashtag, Handle, Hashtag, Lang, Near, Node, Or, Term
from core.query.compile import QueryCompileError, render, require_search, word_or_phrase
from core.query.relax import relax
from core.query.text import tokenize

if TYPE_CHECKING:
    from core.query import Query


def _no_prefix(node: Term, api: str) -> None:
    """A prefix term (`lumor*`) or a Hangul infix (`*과열`) cannot be searched where the API has no wildcard:
    searching the bare word would collect only posts that contain that exact word (not 충전중과열됨 for `*과열`),
    and miss what the query means (QueryCompileError, which `groundswell config check` shows). The store-side
    filter still matches them."""
    if node.infix:
        raise QueryCompileError(
            f"{api} search cannot find a word inside another, so {node.text!r} would collect only the word "
            f"{node.bare_text!r}, not the compounds that hold it: for this source write the whole words joined by OR"
        )
    if node.prefix:
        raise QueryCompileError(
            f"{api} search has no prefix wildcard, so {node.text!r} would collect only the word "
            f"{node.text.rstrip('*＊')!r}: for this source write the whole words joined by OR"
        )


def _x_leaf(node: Node, upper: bool) -> str | None:
    if isinstance(node, Term):
        if (node.prefix or node.infix) and not upper:
            return None  # a negated prefix or infix: dropping it only widens what is fetched (the store filters it)
        _no_prefix(node, "X")
        return word_or_phrase(node.tokens, node.quoted, node.text)
    if isinstance(node, Hashtag | Cashtag):
        return str(node)  # X's own #hashtag and $cashtag operators
    if isinstance(node, Handle):
        if node.handle.replace("_", "").isalnum():
            return f"@{node.handle}"
        # A fediverse/Bluesky handle is no X username: its words as a phrase are a superset.
        return word_or_phrase(tuple(tokenize(node.handle)), quoted=True) if upper else None
    if isinstance(node, Lang):
        # X has no operator for "no language" (lang:unknown): dropped, it only widens what is fetched.
        return None if node.code == UNKNOWN_LANG else f"lang:{node.code}"
    return None


def to_x(query: Query) -> str:
    """X API v2 search query (space = AND, OR, -negation, "phrases", #, @, lang:); NEAR becomes AND."""
    expr = require_search(relax(query.root, _x_leaf), "X", query, skip=lambda s: s.startswith("lang:"))
    return render(expr, " ", "-")


def _reddit_leaf(node: Node, upper: bool) -> str | None:
    if isinstance(node, Term):
        if (node.prefix or node.infix) and not upper:
            return None
        _no_prefix(node, "Reddit")
        return word_or_phrase(node.tokens, node.quoted, node.text)
    if isinstance(node, Hashtag | Cashtag | Handle) and upper:
        # Reddit has no hashtag/cashtag/mention search: the bare words are a superset.
        body = node.handle if isinstance(node, Handle) else node.tag
        return word_or_phrase(tuple(tokenize(body)))
    return None  # lang: (and negated #/@) cannot be expressed


def to_reddit(query: Query) -> str:
    """Reddit search syntax (AND, OR, NOT, parentheses, "phrases"); lang:, NEAR, #, @ relaxed."""
    return render(require_search(relax(query.root, _reddit_leaf), "Reddit", query), " AND ", "NOT ")


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


def _has_word(term: str) -> bool:
    """Whether a search term holds a letter or digit (not only emoji and other symbols)."""
    return any(ch.isalnum() for ch in term)


def _cover(node: Node) -> list[str] | None:
    if isinstance(node, Term):
        _no_prefix(node, "This source's keyword")
        return [word_or_phrase(node.tokens, node.quoted, node.text)]
    if isinstance(node, Hashtag | Cashtag | Handle):
        return [str(node)]
    if isinstance(node, Near):
        return _cover(node.left)
    if isinstance(node, Or):
        parts = [_cover(i) for i in node.items]
        return None if any(p is None for p in parts) else [t for p in parts for t in p]  # type: ignore[union-attr]
    if isinstance(node, And):
        options = [c for c in (_cover(i) for i in node.items) if c is not None]
        # Fewest terms; on a tie, words before emoji-only terms: a keyword API may not search emoji at all, and a
        # missed search term loses posts, while a wider one is filtered locally.
        return min(options, key=lambda c: (len(c), sum(not _has_word(t) for t in c))) if options else None
    return None  # Lang, Not: nothing to search for
