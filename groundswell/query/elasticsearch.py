"""Compile a query to Elasticsearch Query DSL (bool / match_phrase / span_near / term).

No user string ever reaches `query_string`: every term goes into a structured clause.
Hangul tokens become prefix span clauses so '삼성' still finds '삼성은' with the standard
analyzer; Han/Kana are already single-character tokens there, as in `query.text`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from groundswell.query.ast import And, Handle, Hashtag, Lang, Near, Node, Not, Or, Term
from groundswell.query.text import is_hangul, surface, tokenize

if TYPE_CHECKING:
    from groundswell.query import Query


def to_elasticsearch(query: Query, text_field: str = "text", lang_field: str = "lang") -> dict[str, Any]:
    """The query as an ES `query` clause (put it under "query" or a bool filter)."""
    return _node(query.root, text_field, lang_field)


def _node(node: Node, field: str, lang_field: str) -> dict[str, Any]:
    if isinstance(node, Term):
        return _tokens(node.tokens, field)
    if isinstance(node, Hashtag):
        # The standard analyzer drops '#': the tag's words are the closest structured match.
        return _tokens(tuple(tokenize(node.tag)), field)
    if isinstance(node, Handle):
        return _tokens(tuple(tokenize(node.handle)), field)
    if isinstance(node, Lang):
        return {
            "bool": {
                "should": [{"term": {lang_field: node.code}}, {"prefix": {lang_field: node.code + "-"}}],
                "minimum_should_match": 1,
            }
        }
    if isinstance(node, And):
        must = [_node(i, field, lang_field) for i in node.items if not isinstance(i, Not)]
        must_not = [_node(i.item, field, lang_field) for i in node.items if isinstance(i, Not)]
        clause: dict[str, Any] = {"must": must} if must else {"must": [{"match_all": {}}]}
        if must_not:
            clause["must_not"] = must_not
        return {"bool": clause}
    if isinstance(node, Or):
        return {"bool": {"should": [_node(i, field, lang_field) for i in node.items], "minimum_should_match": 1}}
    if isinstance(node, Not):
        return {"bool": {"must": [{"match_all": {}}], "must_not": [_node(node.item, field, lang_field)]}}
    if isinstance(node, Near):
        return {
            "span_near": {
                "clauses": [_span(node.left, field), _span(node.right, field)],
                "slop": node.distance,
                "in_order": False,
            }
        }
    raise TypeError(f"unknown query node {node!r}")


def _tokens(tokens: tuple[str, ...], field: str) -> dict[str, Any]:
    if any(is_hangul(t) for t in tokens):
        return _span_tokens(tokens, field)
    return {"match_phrase": {field: surface(tokens)}}


def _span_token(token: str, field: str) -> dict[str, Any]:
    if is_hangul(token):
        return {"span_multi": {"match": {"prefix": {field: {"value": token}}}}}
    return {"span_term": {field: token}}


def _span_tokens(tokens: tuple[str, ...], field: str) -> dict[str, Any]:
    if len(tokens) == 1:
        return _span_token(tokens[0], field)
    return {"span_near": {"clauses": [_span_token(t, field) for t in tokens], "slop": 0, "in_order": True}}


def _span(node: Term | Or, field: str) -> dict[str, Any]:
    if isinstance(node, Term):
        return _span_tokens(node.tokens, field)
    return {"span_or": {"clauses": [_span(i, field) for i in node.items]}}  # type: ignore[arg-type]
