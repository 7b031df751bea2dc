"""What a query's shape alone says about it, without a post: which trees match the same posts (`query_key`), a
query no post can match (`never_matches`: `x AND NOT x`, `lang:en lang:fr`), and one that matches nearly every post
(`matches_nearly_everything`: `NOT spam` alone). `config check` warns on the last two (groundswell/brand_overlaps.py,
`query_shape_warnings`), as a brand with such a query collects nothing, or every row a source reads.
"""

from __future__ import annotations

from collections.abc import Hashable

from core.query.ast import And, Cashtag, Handle, Hashtag, Lang, Near, Node, Not, Or, Term, positive_leaves
from core.query.text import fold


def query_key(node: Node) -> Hashable:
    """What two query trees share when they match the same posts for reasons matching sees through: words and
    tags compared folded, as matching compares them (case, width, accents, traditional Han), quotes around one
    word, and the order of AND, OR and NEAR operands."""
    if isinstance(node, Term):
        return "term", tuple(fold(t) for t in node.tokens), node.inflect, node.prefix, node.infix
    if isinstance(node, Hashtag):
        return "#", fold(node.tag)
    if isinstance(node, Handle):
        return "@", fold(node.handle)
    if isinstance(node, Cashtag):
        return "$", node.tag
    if isinstance(node, Lang):
        return "lang", node.code
    if isinstance(node, Not):
        return "not", query_key(node.item)
    if isinstance(node, Near):
        return "near", frozenset((query_key(node.left), query_key(node.right))), node.distance
    assert isinstance(node, And | Or)
    return type(node).__name__, frozenset(query_key(item) for item in node.items)


def never_matches(node: Node) -> str | None:
    """Why no post can match `node` (said in a few words), or None. Only what the tree alone shows: an AND that
    requires a term and excludes it (`apple AND NOT apple`, `apple -(apple OR pie)`, words compared as matching
    compares them: `query_key`), or two languages (a post has one); an OR only when each of its items cannot."""
    if isinstance(node, Or):
        reasons = [never_matches(item) for item in node.items]
        return reasons[0] if all(reasons) else None
    if not isinstance(node, And):
        return None
    for item in node.items:
        if reason := never_matches(item):
            return reason
    required = {query_key(item): item for item in node.items if not isinstance(item, Not)}
    for item in node.items:
        if isinstance(item, Not):
            inner = item.item
            for excluded in inner.items if isinstance(inner, Or) else (inner,):
                if (key := query_key(excluded)) in required:
                    return f"it requires {required[key]} and excludes it (NOT {excluded})"
    langs = sorted({item.code for item in node.items if isinstance(item, Lang)})
    if len(langs) > 1:
        return f"a post has one language, and it requires {' and '.join(f'lang:{code}' for code in langs)} at once"
    return None


def matches_nearly_everything(node: Node) -> bool:
    """Whether `node` names nothing a post must hold: no word, phrase, tag, handle or lang: outside NOT
    (`NOT spam`, `-(a OR b)`): it matches every post that lacks a few words."""
    return next(positive_leaves(node), None) is None and not _positive_lang(node)


def _positive_lang(node: Node, negated: bool = False) -> bool:
    if isinstance(node, Not):
        return _positive_lang(node.item, not negated)
    if isinstance(node, And | Or):
        return any(_positive_lang(item, negated) for item in node.items)
    return isinstance(node, Lang) and not negated
