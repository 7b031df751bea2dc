"""Apply a parsed query to one post's text, locally (every source, every script).

Post and query tokens are compared folded (`query.text.fold`): accents never decide a match.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from core.lang_tags import UNKNOWN_LANG, lang_tag
from core.query.ast import And, Cashtag, Handle, Hashtag, Lang, Near, Node, Not, Or, Term
from core.query.handles import handles
from core.query.stem import inflected_matches
from core.query.text import cashtags, fold, hashtags, is_hangul, search_tokens, token_matches

# What a post without a source language is judged by for `lang:`: the language the pipeline will detect for it
# (the application injects nlp's detector, `groundswell.brands.collection_lang_of`; core imports none of it).
LangOf = Callable[[str], "str | None"]


@dataclass
class Post:
    """A post's text, pre-cut once for evaluating a whole query tree.

    Its #hashtags, $cashtags and @handles are read when a query first asks for them: most queries have none, and reading
    them (a pattern per platform) cost a store scan more than cutting the text into tokens did."""

    tokens: list[str]
    lang: str | None
    text: str = ""
    source: str | None = None  # whose rules read the @handles (core/query/handles.py); None: any platform's
    lang_of: LangOf | None = None  # detects the language of a post without one, when a `lang:` asks (only then)
    _spans: dict[Term, list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str, lang: str | None, source: str | None = None, lang_of: LangOf | None = None) -> Post:
        """The post as matching sees it; `source` decides how its @handles are read (core/query/handles.py);
        `lang_of` names the language of a post whose source gave none (None: such a post has no language)."""
        return cls(search_tokens(text), lang_tag(lang), text, source, lang_of)

    @cached_property
    def language(self) -> str | None:
        """The post's language: the source's (normalised), else what `lang_of` detects from its text."""
        if self.lang is not None or self.lang_of is None:
            return self.lang
        return lang_tag(self.lang_of(self.text))

    @property
    def detected(self) -> str | None:
        """The language `lang_of` detected for this post, if a `lang:` made it look (None: it did not, or the
        source gave one): the collector stores it, so the stored post carries the language it was matched by."""
        if self.lang is not None or "language" not in self.__dict__:
            return None
        return self.language

    @cached_property
    def hashtags(self) -> set[str]:
        return {fold(t) for t in hashtags(self.text)}

    @cached_property
    def cashtags(self) -> set[str]:
        return cashtags(self.text)

    @cached_property
    def handles(self) -> set[str]:
        return {fold(h) for h in handles(self.text, self.source)}

    def spans(self, term: Term) -> list[tuple[int, int]]:
        """(start, end) token spans where the term's tokens occur consecutively."""
        found = self._spans.get(term)
        if found is None:
            tests, toks = token_tests(term), self.tokens
            k = len(tests)
            if not tests:
                found = [(i, i) for i in range(len(toks) + 1)]
            else:  # the first token's test alone at most positions (a C call for a whole word: str.__eq__)
                first, rest = tests[0], tests[1:]
                found = [
                    (i, i + k)
                    for i in range(len(toks) - k + 1)
                    if first(toks[i]) and all(test(toks[i + j]) for j, test in enumerate(rest, 1))
                ]
            self._spans[term] = found
        return found


@lru_cache(maxsize=1024)
def folded_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold(t) for t in tokens)


@lru_cache(maxsize=1024)
def token_tests(term: Term) -> tuple[Callable[[str], bool], ...]:
    """For each of the term's tokens, `query_token_matches` with that query token fixed: whether a folded
    text token matches it. Decided once per term, not at each position of each post."""
    folded = folded_tokens(term.tokens)
    return tuple(_token_test(q, term.inflect, j in term.prefix, j in term.infix) for j, q in enumerate(folded))


def _token_test(query_token: str, inflect: str | None, prefix: bool, infix: bool = False) -> Callable[[str], bool]:
    if infix:  # `*과열`: anywhere in the word (a text token holding Hangul is Hangul only: a script change splits)
        return lambda text_token: query_token in text_token
    if prefix or (inflect is None and is_hangul(query_token)):
        return lambda text_token: text_token.startswith(query_token)
    if inflect is not None:
        return lambda text_token: inflected_matches(query_token, text_token, inflect)
    return query_token.__eq__  # a whole token (`token_matches`)


def query_token_matches(
    query_token: str, text_token: str, inflect: str | None, prefix: bool = False, infix: bool = False
) -> bool:
    """One folded query token against one folded text token: any token containing it when it is a Hangul infix
    (`*과열`), any token starting with it when it is a prefix (`overheat*`), a form of it when inflected (`word~ru`),
    else as `token_matches` (whole, or Hangul's start)."""
    if infix:
        return query_token in text_token
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
    if isinstance(node, Cashtag):
        return node.tag in post.cashtags
    if isinstance(node, Handle):
        # '@brand' also matches the fediverse form '@brand@instance' (the same user name on any instance).
        handle = fold(node.handle)
        return any(h == handle or h.startswith(handle + "@") for h in post.handles)
    if isinstance(node, Lang):
        lang = post.language
        if node.code == UNKNOWN_LANG:
            return lang is None
        return lang is not None and (lang == node.code or lang.startswith(node.code + "-"))
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
