"""Compilers to the search syntaxes of X and Reddit, and keyword covers for APIs without boolean search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.lang_tags import UNKNOWN_LANG
from core.query.ast import And, Cashtag, Handle, Hashtag, Lang, Near, Node, Not, Or, Term
from core.query.compile import QueryCompileError, render, require_search, word_or_phrase
from core.query.relax import Expr, LeafFn, relax
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


def _positive_wildcards(node: Node, positive: bool = True) -> list[Term]:
    """The prefix and infix terms of `node` that a match needs (not under an odd number of NOTs)."""
    if isinstance(node, Term):
        return [node] if positive and (node.prefix or node.infix) else []
    if isinstance(node, Not):
        return _positive_wildcards(node.item, not positive)
    if isinstance(node, Near):
        return _positive_wildcards(node.left, positive) + _positive_wildcards(node.right, positive)
    if isinstance(node, And | Or):
        return [t for i in node.items for t in _positive_wildcards(i, positive)]
    return []


def _searchable(query: Query, leaf: LeafFn, api: str, skip: Callable[[str], bool] = lambda s: False) -> Expr:
    """`query` relaxed to a superset `api` can search. A wildcard term is dropped (the leaf gives None: TRUE)
    where something else still constrains the search (`brand AND overheat*` searches `brand`, and the store-side
    match narrows it); where a wildcard was all a branch had (`brand OR overheat*`), the search would be
    unbounded, and the error names the wildcard (`_no_prefix`)."""
    try:
        return require_search(relax(query.root, leaf), api, query, skip=skip)
    except QueryCompileError:
        for term in _positive_wildcards(query.root):
            _no_prefix(term, api)
        raise


def _x_leaf(node: Node, upper: bool) -> str | None:
    if isinstance(node, Term):
        if node.prefix or node.infix:
            # X has no wildcard: dropped, a required one only widens what is fetched (`_searchable`), and a
            # negated one too (the store-side match filters both).
            return None
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
    return render(_x_expr(query), " ", "-")


def _x_expr(query: Query) -> Expr:
    return _searchable(query, _x_leaf, "X", skip=lambda s: s.startswith("lang:"))


def _reddit_leaf(node: Node, upper: bool) -> str | None:
    if isinstance(node, Term):
        # Reddit search has no wildcard: dropped, as for X (`_x_leaf`).
        return None if node.prefix or node.infix else word_or_phrase(node.tokens, node.quoted, node.text)
    if isinstance(node, Hashtag | Cashtag | Handle) and upper:
        # Reddit has no hashtag/cashtag/mention search: the bare words are a superset.
        body = node.handle if isinstance(node, Handle) else node.tag
        return word_or_phrase(tuple(tokenize(body)))
    return None  # lang: (and negated #/@) cannot be expressed


def to_reddit(query: Query) -> str:
    """Reddit search syntax (AND, OR, NOT, parentheses, "phrases"); lang:, NEAR, #, @ relaxed."""
    return render(_searchable(query, _reddit_leaf, "Reddit"), " AND ", "NOT ")


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
        return _cover(And((node.left, node.right)))  # both must be there: either one covers it
    if isinstance(node, Or):
        parts = [_cover(i) for i in node.items]
        return None if any(p is None for p in parts) else [t for p in parts for t in p]  # type: ignore[union-attr]
    if isinstance(node, And):
        covers, refused = [], None
        for item in node.items:
            try:
                covers.append(_cover(item))
            except QueryCompileError as exc:
                # A wildcard branch cannot be searched, but any other branch covers the AND (a superset the
                # store-side match narrows): refused only when no branch is left.
                refused = refused or exc
        options = [c for c in covers if c is not None]
        if not options and refused is not None:
            raise refused
        # Fewest terms; on a tie, words before emoji-only terms: a keyword API may not search emoji at all, and a
        # missed search term loses posts, while a wider one is filtered locally.
        return min(options, key=lambda c: (len(c), sum(not _has_word(t) for t in c))) if options else None
    return None  # Lang, Not: nothing to search for


# -- query length: what X and Reddit accept in one search ------------------------------------------------------
# X: 512 characters for recent search, 1,024 for the full archive on the Basic/Pro plans (Enterprise: 4,096);
# the plan is not known here, so `XOptions.max_query_length` can say. Reddit: the `q` of /search is "a string no
# longer than 512 characters" (reddit.com/dev/api, GET [/r/subreddit]/search).
X_QUERY_LIMITS = {"recent": 512, "all": 1024}
REDDIT_QUERY_LIMIT = 512


@dataclass(frozen=True)
class NativeSearches:
    """A brand's query as a source sends it: one search, or several whose union (OR) is the query, each within
    the API's length `limit`. `whole` is the length of the query compiled in one piece."""

    backend: str
    searches: tuple[str, ...]
    whole: int
    limit: int
    dropped_exclusions: bool = False

    def note(self) -> str | None:
        """What `config check` says about a split query (None when it went in one piece)."""
        if len(self.searches) == 1:
            return None
        widened = (
            "; exclusions that could not fit were left out of the search (the store-side match still applies them)"
            if self.dropped_exclusions else ""
        )
        return (
            f"the compiled {self.backend} query is {self.whole:,} characters, over the {self.limit:,} a search may "
            f"have: it is sent as {len(self.searches)} searches ORed{widened}"
        )


class _TooLong(Exception):
    pass


def split_searches(expr: Expr, backend: str, limit: int, and_sep: str, not_prefix: str) -> NativeSearches:
    """`expr` rendered as one search, or split into searches of at most `limit` characters whose union is it.

    Top-level OR branches are split apart; an AND too long is distributed over its longest OR operand
    (`(a OR b) AND c` is `(a AND c) OR (b AND c)`). An AND's exclusions are left out (a superset: the
    store-side match applies them) where they would take over half of each search, or where the AND cannot
    fit with them. `QueryCompileError` when even that does not fit.
    """

    def text(e: Expr) -> str:
        return render(e, and_sep, not_prefix)

    def fits(e: Expr) -> bool:
        return len(text(e)) <= limit

    dropped = False

    def conj(parts: tuple[Expr, ...]) -> Expr:
        return parts[0] if len(parts) == 1 else Expr("and", parts)

    def pieces(e: Expr) -> list[Expr]:
        nonlocal dropped
        if fits(e):
            return [e]
        if e.op == "or":
            return [p for part in e.parts for p in pieces(part)]
        if e.op == "and":
            nots = tuple(p for p in e.parts if p.op == "not")
            if nots and len(nots) < len(e.parts) and len(text(conj(nots))) > limit // 2:
                # Exclusions taking over half of every search would multiply the searches (each one a request
                # against the plan's rate limit): left out, a superset the store-side match narrows.
                dropped = True
                return pieces(conj(tuple(p for p in e.parts if p.op != "not")))
            for target in sorted((p for p in e.parts if p.op == "or"), key=lambda p: -len(text(p))):
                rest = tuple(p for p in e.parts if p is not target)
                if fits(conj((min(target.parts, key=lambda p: len(text(p))), *rest))):
                    return chunks(target.parts, rest)
            kept = tuple(p for p in e.parts if p.op != "not")
            if kept and len(kept) < len(e.parts):
                dropped = True
                return pieces(conj(kept))
        raise _TooLong(text(e))

    def chunks(items: tuple[Expr, ...], rest: tuple[Expr, ...]) -> list[Expr]:
        """Greedy: as many of the OR's items beside `rest` as fit in one search."""
        out: list[Expr] = []
        group: list[Expr] = []
        for item in items:
            trial = [*group, item]
            if fits(conj((trial[0] if len(trial) == 1 else Expr("or", tuple(trial)), *rest))):
                group = trial
                continue
            if group:
                out.append(conj((group[0] if len(group) == 1 else Expr("or", tuple(group)), *rest)))
            group = [item]
            if not fits(conj((item, *rest))):
                out += pieces(conj((item, *rest)))
                group = []
        if group:
            out.append(conj((group[0] if len(group) == 1 else Expr("or", tuple(group)), *rest)))
        return out

    whole = len(text(expr))
    try:
        parts = pieces(expr)
    except _TooLong as exc:
        raise QueryCompileError(
            f"the compiled {backend} query is {whole:,} characters, and {backend} takes at most {limit:,} a search; "
            f"this part has no OR to split at and is still too long without its exclusions: {str(exc)[:80]}…: "
            "shorten it, or set the source's native_query"
        ) from None
    # Pack the pieces back together (ORed) as far as each search allows: fewer requests.
    groups: list[list[Expr]] = []
    for part in dict.fromkeys(parts):
        if groups and fits(Expr("or", (*groups[-1], part))):
            groups[-1].append(part)
        else:
            groups.append([part])
    searches = tuple(text(g[0] if len(g) == 1 else Expr("or", tuple(g))) for g in groups)
    return NativeSearches(backend, searches, whole, limit, dropped)


def x_searches(query: Query, limit: int) -> NativeSearches:
    """`to_x`, split into searches of at most `limit` characters when longer (`split_searches`)."""
    return split_searches(_x_expr(query), "X", limit, " ", "-")


def reddit_searches(query: Query, limit: int = REDDIT_QUERY_LIMIT) -> NativeSearches:
    """`to_reddit`, split into searches of at most `limit` characters when longer (`split_searches`)."""
    return split_searches(_searchable(query, _reddit_leaf, "Reddit"), "Reddit", limit, " AND ", "NOT ")
