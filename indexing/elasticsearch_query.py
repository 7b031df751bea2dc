"""Compile a query to Elasticsearch Query DSL (bool / match_phrase / span_near / term).

No user string ever reaches `query_string`: every term goes into a structured clause.
Hangul tokens become prefix span clauses so '삼성' still finds '삼성은' with the standard
analyzer; Han/Kana are already single-character tokens there, as in `query.text`. A Hangul infix (`*과열`) is a
`regexp` of the Hangul tokens that contain it (`infix_pattern`), a `span_multi` regexp inside a phrase or NEAR. A prefix
(`overheat*`) is a `prefix` query, or a `span_multi` prefix inside a phrase or NEAR: exact, as
the local matcher compares it (a token that starts with it). A `span_multi` is expanded to every indexed word
starting with it, and a monthly index with more such words than `indices.query.bool.max_clause_count` refuses the
query: the store raises `QueryTooBroad` (indexing/elasticsearch_shards.py), never a short count. Its `top_terms_N`
rewrite would keep going but search only N of the words, so it is not used. A lone prefix, Hangul word or `word~xx`
stem is a plain `prefix` query (no such limit).

folded=True targets a field holding `search_document(text)` (the store's search field: folded
tokens, emoji among them, then `#tag`/`$tag`/`@handle` tokens, whitespace analyzer; core/query/document.py;
the standard analyzer of `text` would keep 👍🏽 apart from 👍 and split no ZWJ sequence as we do): query tokens
are folded the same way, so Elasticsearch compares exactly the tokens the local matcher compares,
and there the compiled query finds exactly the posts `Query.matches` finds, with one exception:

- an inflected term (`word~ru`) is compared by its Snowball stem, which Elasticsearch cannot
  compute. Where it counts towards a match it becomes a prefix search on the stem (a superset:
  'Люморка' for 'Люмора~ru'); under NOT it becomes the written form only (a subset of the forms,
  so NOT excludes no more than it should). The result is always a superset of `Query.matches`.

folded=False (the plain `text` field, standard analyzer: highlighting) has no '#', '$' or '@' left in
its tokens: hashtags, cashtags and handles are looked for as their words there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.lang_tags import UNKNOWN_LANG
from core.query.ast import And, Cashtag, Handle, Hashtag, Lang, Near, Node, Not, Or, Term
from core.query.stem import stem
from core.query.text import HANGUL_RANGES, fold, is_hangul, surface, tokenize

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


# Elasticsearch refuses a query whose compound queries (bool, constant_score, span_or, span_near, span_multi, ...)
# nest deeper than `indices.query.bool.max_nested_depth` (a static node setting, 30 by default; the leaf counts as a
# level): the whole search fails with a parsing_exception. The store puts the compiled query inside its own bool of
# filters (`ElasticsearchStore._query`), one level; replies only adds its condition to that bool's filters, no
# level (`elasticsearch_rows.replies_only`). So the compiled query keeps 1 level: a deeper limit refused queries the
# node answers.
ES_MAX_NESTED_DEPTH = 30
WRAPPING_LEVELS = 1
MAX_QUERY_DEPTH = ES_MAX_NESTED_DEPTH - WRAPPING_LEVELS
# The keys of a compound query that hold the queries nested in it.
_INNER = ("must", "must_not", "should", "filter", "clauses", "match", "include", "exclude", "little", "big")


class QueryTooDeep(ValueError):
    """A query the parser accepts that nests deeper, once compiled, than Elasticsearch takes (`MAX_QUERY_DEPTH`): the
    user flattens it, so the dashboard answers 400 with the message, as for `QueryTooBroad`."""


def to_elasticsearch(
    query: Query, text_field: str = "text", lang_field: str = "lang", folded: bool = False
) -> dict[str, Any]:
    """The query as an ES `query` clause (put it under "query" or a bool filter).

    folded: `text_field` holds `search_document(text)` (see the module docstring). `QueryTooDeep` when the clause
    nests deeper than Elasticsearch accepts (`MAX_QUERY_DEPTH`).
    """
    clause = _node(query.root, _Target(text_field, lang_field, folded), upper=True)
    depth = query_depth(clause)
    if depth > MAX_QUERY_DEPTH:
        raise QueryTooDeep(
            f"the query nests too deeply for Elasticsearch: {depth} levels once translated, at most "
            f"{MAX_QUERY_DEPTH} (each group of a different operator than the one around it, and each NOT inside an "
            "OR, adds one): remove parentheses, or write NOT (a OR b) as -a -b"
        )
    return clause


def query_depth(clause: Any) -> int:
    """How deep Elasticsearch counts `clause`: one per query object, compound queries holding more (`_INNER`)."""
    if isinstance(clause, list):
        return max((query_depth(item) for item in clause), default=0)
    if not isinstance(clause, dict) or len(clause) != 1:
        return 0
    (body,) = clause.values()
    inner = [body[key] for key in _INNER if isinstance(body, dict) and key in body]
    return 1 + max((query_depth(item) for item in inner), default=0)


def _node(node: Node, t: _Target, upper: bool) -> dict[str, Any]:
    """`node` as a clause; `upper` is False under an odd number of NOTs, where an inexact
    clause must be a subset (so that the whole query stays a superset of the true matches)."""
    if isinstance(node, Term):
        if node.inflect:
            return _unspanned(_span_inflected(node, t, upper))
        return _tokens(node.tokens, t, node.prefix, node.infix)
    if isinstance(node, Hashtag):
        return _hashtag(node, t)
    if isinstance(node, Cashtag):
        return _cashtag(node, t)
    if isinstance(node, Handle):
        return _handle(node, t)
    if isinstance(node, Lang):
        return _lang(node, t)
    if isinstance(node, And | Not):
        must: list[dict[str, Any]] = []
        must_not: list[dict[str, Any]] = []
        _conjoin(node, True, t, upper, must, must_not)
        if len(must) == 1 and not must_not:  # NOT NOT x: x itself, no level for it
            return must[0]
        clause: dict[str, Any] = {"must": must or [{"match_all": {}}]}
        if must_not:
            clause["must_not"] = must_not
        return {"bool": clause}
    if isinstance(node, Or):
        return {"bool": {"should": [_node(i, t, upper) for i in node.items], "minimum_should_match": 1}}
    if isinstance(node, Near):
        return _near(node, t, upper)
    raise TypeError(f"unknown query node {node!r}")


def _conjoin(
    node: Node, positive: bool, t: _Target, upper: bool, must: list[dict[str, Any]], must_not: list[dict[str, Any]]
) -> None:
    """Add `node` (NOT `node` when not `positive`) to one bool's `must` / `must_not`, as few levels deep as it can
    go: NOT NOT x is x, an AND's items join the bool's own, and NOT (a OR b) is NOT a AND NOT b. The matches are
    the same; only the nesting Elasticsearch counts (`MAX_QUERY_DEPTH`) is less."""
    while isinstance(node, Not):
        node, positive = node.item, not positive
    if positive and isinstance(node, And):
        for item in node.items:
            _conjoin(item, True, t, upper, must, must_not)
    elif not positive and isinstance(node, Or):
        for item in node.items:
            _conjoin(item, False, t, upper, must, must_not)
    elif positive:
        must.append(_node(node, t, upper))
    else:
        must_not.append(_node(node, t, not upper))


def _hashtag(node: Hashtag, t: _Target) -> dict[str, Any]:
    if not t.folded:  # the standard analyzer drops '#': the tag's words are the closest structured match
        return _tokens(tuple(tokenize(node.tag)), t)
    return {"term": {t.field: "#" + fold(node.tag)}}


def _cashtag(node: Cashtag, t: _Target) -> dict[str, Any]:
    if not t.folded:
        return _tokens(tuple(tokenize(node.tag)), t)
    return {"term": {t.field: "$" + node.tag}}


def _handle(node: Handle, t: _Target) -> dict[str, Any]:
    if not t.folded:
        return _tokens(tuple(tokenize(node.handle)), t)
    # As core/query/match.py: '@brand' is that handle, or the same user name on any fediverse instance.
    handle = "@" + fold(node.handle)
    return {
        "bool": {
            "should": [{"term": {t.field: handle}}, {"prefix": {t.field: {"value": handle + "@"}}}],
            "minimum_should_match": 1,
        }
    }


def no_lang_query(lang_field: str) -> dict[str, Any]:
    """The documents without a language (`lang:unknown`, the `lang=unknown` filter)."""
    return {"bool": {"must_not": [{"exists": {"field": lang_field}}]}}


def _lang(node: Lang, t: _Target) -> dict[str, Any]:
    if node.code == UNKNOWN_LANG:
        return no_lang_query(t.lang_field)
    # `lang` is a keyword; a store written before tags were normalised (core/lang_tags.py) may hold 'pt-BR' or
    # 'KO', which the matcher reads as 'pt' and 'ko'.
    return {
        "bool": {
            "should": [
                {"term": {t.lang_field: {"value": node.code, "case_insensitive": True}}},
                {"prefix": {t.lang_field: {"value": node.code + "-", "case_insensitive": True}}},
            ],
            "minimum_should_match": 1,
        }
    }


def _near(node: Near, t: _Target, upper: bool) -> dict[str, Any]:
    """Either order, each an ordered span_near: an unordered one lets one occurrence stand for both
    operands ('acme NEAR/0 acme' would find a single 'acme'), the local matcher never does. Two spans
    in order are `slop` = the tokens between them apart, the matcher's gap."""
    left, right = _span(node.left, t, upper), _span(node.right, t, upper)
    orders = [[left, right], [right, left]]
    clauses = [{"span_near": {"clauses": pair, "slop": node.distance, "in_order": True}} for pair in orders]
    return {"span_or": {"clauses": clauses}}


def _tokens(
    tokens: tuple[str, ...], t: _Target, open_ends: tuple[int, ...] = (), infix: tuple[int, ...] = ()
) -> dict[str, Any]:
    """Consecutive tokens; those at `open_ends` (written `word*`) match any token that starts with them, those at
    `infix` (written `*과열`) any Hangul token that contains them."""
    tokens = t.tokens(tokens)
    if open_ends or infix or any(is_hangul(tok) for tok in tokens):
        return _unspanned(_span_tokens(tokens, t.field, open_ends=open_ends, infix=infix))
    return {"match_phrase": {t.field: t.phrase(tokens)}}


def _unspanned(clause: dict[str, Any]) -> dict[str, Any]:
    """A lone span clause as the plain query it wraps, which matches the same documents: a `prefix` query has no
    limit on the words it matches (constant-score rewrite), a `span_multi` prefix fails past the cluster's
    `indices.query.bool.max_clause_count` distinct matching words in one index (`elasticsearch_shards`), so a
    word* / Hangul word / word~xx on its own is exact at any size; only inside a phrase or NEAR is it bounded."""
    if "span_multi" in clause:  # a prefix, or an infix's regexp (the same rewrite, the same limit in a span)
        return clause["span_multi"]["match"]
    if "span_term" in clause:
        return {"term": clause["span_term"]}
    return clause


def _span_token(token: str, field: str, prefix: bool = False, infix: bool = False) -> dict[str, Any]:
    if infix:
        return {"span_multi": {"match": {"regexp": {field: {"value": infix_pattern(token), "flags": "NONE"}}}}}
    if prefix or is_hangul(token):
        return {"span_multi": {"match": {"prefix": {field: {"value": token}}}}}
    return {"span_term": {field: token}}


def infix_pattern(token: str) -> str:
    """The Lucene regular expression of the Hangul tokens that contain `token` (`*과열`): Hangul before and after it,
    nothing else. Not a `wildcard` `*과열*`: that would also find a `#tag` or `@handle` token of the search field
    holding it (`#충전과열`, whose words the post's own tokens already hold, but not next to the same words in a
    phrase), and its leading `*` walks every word of the index; a class of Hangul letters lets Lucene seek to the
    Hangul words and read only them. The token is Hangul only (the parser allows no other infix); anything else is
    escaped all the same, and `flags: NONE` keeps `#`, `@`, `&`, `~`, `<`, `>` literal."""
    body = "".join(ch if is_hangul(ch) else "\\" + ch for ch in token)
    return f"[{HANGUL_RANGES}]*{body}[{HANGUL_RANGES}]*"


def _span_tokens(
    tokens: tuple[str, ...], field: str, prefix: bool = False, open_ends: tuple[int, ...] = (),
    infix: tuple[int, ...] = (),
) -> dict[str, Any]:
    """Consecutive tokens as one span: every token a prefix when `prefix`, else those at `open_ends`; those at
    `infix` match any Hangul token containing them."""
    clauses = [_span_token(tok, field, prefix or i in open_ends, i in infix) for i, tok in enumerate(tokens)]
    if len(clauses) == 1:
        return clauses[0]
    return {"span_near": {"clauses": clauses, "slop": 0, "in_order": True}}


def _span_inflected(node: Term, t: _Target, upper: bool) -> dict[str, Any]:
    """`word~xx`: every form starts with the stem (core/query/stem.py), so a prefix on each stem is a
    superset; the written form always matches, so it alone is a subset (used under NOT)."""
    folded = tuple(fold(tok) for tok in node.tokens)
    if not upper:
        return _span_tokens(folded, t.field)
    assert node.inflect is not None
    # A form starts with the stem, or is the word itself; a stem need not start the word (French y -> i:
    # 'payer' -> 'pai'): the common prefix of the two, as the SQLite prefilter (indexing/sqlite_query.py).
    prefixes = tuple(os.path.commonprefix([tok, stem(tok, node.inflect)]) for tok in folded)
    return _span_tokens(prefixes, t.field, prefix=True)


def _span(node: Term | Or, t: _Target, upper: bool) -> dict[str, Any]:
    if isinstance(node, Term):
        if node.inflect:
            return _span_inflected(node, t, upper)
        return _span_tokens(t.tokens(node.tokens), t.field, open_ends=node.prefix, infix=node.infix)
    return {"span_or": {"clauses": [_span(i, t, upper) for i in node.items]}}  # type: ignore[arg-type]
