"""Compile a query to Elasticsearch Query DSL (bool / match_phrase / span_near / term).

No user string ever reaches `query_string`: every term goes into a structured clause.
Hangul tokens become prefix span clauses so '삼성' still finds '삼성은' with the standard
analyzer; Han/Kana are already single-character tokens there, as in `query.text`.

folded=True targets a field holding `search_document(text)` (folded tokens joined by spaces,
whitespace analyzer; the store's `text_folded`): query tokens are folded the same way and
joined by spaces, so Elasticsearch compares exactly the tokens the local matcher compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.query.ast import And, Handle, Hashtag, Lang, Near, Node, Not, Or, Term
from core.query.stem import stem
from core.query.text import fold, is_hangul, surface, tokenize

if TYPE_CHECKING:
    from core.query import Query


@dataclass(frozen=True)
class _Target:
    field: str
    lang_field: str
    folded: bool

    def tokens(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(fold(t) for t in tokens) if self.folded else tokens

    def phrase(self, tokens: tuple[str, ...]) -> str:
        # The whitespace analyzer needs every token spaced, unspaced scripts included.
        return " ".join(tokens) if self.folded else surface(tokens)


def to_elasticsearch(
    query: Query, text_field: str = "text", lang_field: str = "lang", folded: bool = False
) -> dict[str, Any]:
    """The query as an ES `query` clause (put it under "query" or a bool filter).

    folded: `text_field` holds `search_document(text)` (see the module docstring).
    """
    return _node(query.root, _Target(text_field, lang_field, folded))


def _node(node: Node, t: _Target) -> dict[str, Any]:
    if isinstance(node, Term):
        if node.inflect:  # any form: a prefix clause on each stem (a superset, see core/query/stem.py)
            stems = tuple(stem(fold(tok), node.inflect) for tok in node.tokens)
            return _span_tokens(stems, t.field, prefix=True)
        return _tokens(node.tokens, t)
    if isinstance(node, Hashtag):
        # The standard analyzer drops '#': the tag's words are the closest structured match.
        return _tokens(tuple(tokenize(node.tag)), t)
    if isinstance(node, Handle):
        return _tokens(tuple(tokenize(node.handle)), t)
    if isinstance(node, Lang):
        return {
            "bool": {
                "should": [{"term": {t.lang_field: node.code}}, {"prefix": {t.lang_field: node.code + "-"}}],
                "minimum_should_match": 1,
            }
        }
    if isinstance(node, And):
        must = [_node(i, t) for i in node.items if not isinstance(i, Not)]
        must_not = [_node(i.item, t) for i in node.items if isinstance(i, Not)]
        clause: dict[str, Any] = {"must": must} if must else {"must": [{"match_all": {}}]}
        if must_not:
            clause["must_not"] = must_not
        return {"bool": clause}
    if isinstance(node, Or):
        return {"bool": {"should": [_node(i, t) for i in node.items], "minimum_should_match": 1}}
    if isinstance(node, Not):
        return {"bool": {"must": [{"match_all": {}}], "must_not": [_node(node.item, t)]}}
    if isinstance(node, Near):
        return {
            "span_near": {
                "clauses": [_span(node.left, t), _span(node.right, t)],
                "slop": node.distance,
                "in_order": False,
            }
        }
    raise TypeError(f"unknown query node {node!r}")


def _tokens(tokens: tuple[str, ...], t: _Target) -> dict[str, Any]:
    tokens = t.tokens(tokens)
    if any(is_hangul(tok) for tok in tokens):
        return _span_tokens(tokens, t.field)
    return {"match_phrase": {t.field: t.phrase(tokens)}}


def _span_token(token: str, field: str, prefix: bool = False) -> dict[str, Any]:
    if prefix or is_hangul(token):
        return {"span_multi": {"match": {"prefix": {field: {"value": token}}}}}
    return {"span_term": {field: token}}


def _span_tokens(tokens: tuple[str, ...], field: str, prefix: bool = False) -> dict[str, Any]:
    if len(tokens) == 1:
        return _span_token(tokens[0], field, prefix)
    clauses = [_span_token(tok, field, prefix) for tok in tokens]
    return {"span_near": {"clauses": clauses, "slop": 0, "in_order": True}}


def _span(node: Term | Or, t: _Target) -> dict[str, Any]:
    if isinstance(node, Term):
        if node.inflect:
            return _span_tokens(tuple(stem(fold(tok), node.inflect) for tok in node.tokens), t.field, prefix=True)
        return _span_tokens(t.tokens(node.tokens), t.field)
    return {"span_or": {"clauses": [_span(i, t) for i in node.items]}}  # type: ignore[arg-type]
