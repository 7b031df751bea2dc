"""Apply a parsed query to one post's text, locally (every source, every script).

Post and query tokens are compared folded (`query.text.fold`): accents never decide a match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from core.query.ast import And, Handle, Hashtag, Lang, Near, Node, Not, Or, Term
from core.query.handles import handles
from core.query.stem import inflected_matches
from core.query.text import fold, hashtags, search_tokens, token_matches


@dataclass
class Post:
    """A post's text, pre-cut once for evaluating a whole query tree."""

    tokens: list[str]
    hashtags: set[str]
    handles: set[str]
    lang: str | None
    _spans: dict[Term, list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str, lang: str | None, source: str | None = None) -> Post:
        """The post as matching sees it; `source` decides how its @handles are read (core/query/handles.py)."""
        return cls(
            search_tokens(text),
            {fold(t) for t in hashtags(text)},
            {fold(h) for h in handles(text, source)},
            lang.lower() if lang else None,
        )

    def spans(self, term: Term) -> list[tuple[int, int]]:
        """(start, end) token spans where the term's tokens occur consecutively."""
        found = self._spans.get(term)
        if found is None:
            query, toks, lang, prefix = folded_tokens(term.tokens), self.tokens, term.inflect, term.prefix
            k = len(query)
            found = [
                (i, i + k)
                for i in range(len(toks) - k + 1)
                if all(query_token_matches(q, toks[i + j], lang, j in prefix) for j, q in enumerate(query))
            ]
            self._spans[term] = found
        return found


@lru_cache(maxsize=1024)
def folded_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold(t) for t in tokens)


def query_token_matches(query_token: str, text_token: str, inflect: str | None, prefix: bool = False) -> bool:
    """One folded query token against one folded text token: any token starting with it when it is a prefix
    (`overheat*`), a form of it when inflected (`word~ru`), else as `token_matches` (whole, or Hangul's start)."""
    if prefix:
        return text_token.startswith(query_token)
    if inflect is not None:
        return inflected_matches(query_token, text_token, inflect)
    return token_matches(query_token, text_token)


def evaluate(node: Node, post: Post) -> bool:
    if isinstance(node, Term):
        return bool(post.spans(node))
    if isinstance(node, Hashtag):
        return fold(node.tag) in post.hashtags
    if isinstance(node, Handle):
        # '@brand' also matches the fediverse form '@brand@instance' (the same user name on any instance).
        handle = fold(node.handle)
        return any(h == handle or h.startswith(handle + "@") for h in post.handles)
    if isinstance(node, Lang):
        return post.lang is not None and (post.lang == node.code or post.lang.startswith(node.code + "-"))
    if isinstance(node, And):
        return all(evaluate(i, post) for i in node.items)
    if isinstance(node, Or):
        return any(evaluate(i, post) for i in node.items)
    if isinstance(node, Not):
        return not evaluate(node.item, post)
    if isinstance(node, Near):
        return _near(node, post)
    raise TypeError(f"unknown query node {node!r}")


def _operand_spans(node: Term | Or, post: Post) -> list[tuple[int, int]]:
    if isinstance(node, Term):
        return post.spans(node)
    return [s for item in node.items for s in post.spans(item)]  # type: ignore[arg-type]


def _near(node: Near, post: Post) -> bool:
    left, right = _operand_spans(node.left, post), _operand_spans(node.right, post)
    for s1, e1 in left:
        for s2, e2 in right:
            gap = s2 - e1 if s2 >= e1 else s1 - e2
            if 0 <= gap <= node.distance:
                return True
    return False
