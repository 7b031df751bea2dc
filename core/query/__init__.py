"""Groundswell's boolean query language: parse once, match locally, compile per backend.

    q = parse('(galaxy OR "갤럭시") AND NOT #ad lang:ko')
    q.matches("갤럭시는 최고", lang="ko")  # True

The backend compilers live beside their backends: `extractors.query_native` (to_x, to_reddit,
search_terms), `indexing.sqlite_query` (to_fts5), `indexing.elasticsearch_query` (to_elasticsearch).

See docs/query-language.md for the grammar and the matching rules per script.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from core.query.ast import Node, Term, positive_leaves
from core.query.compile import QueryCompileError
from core.query.document import fts5_document, search_document
from core.query.match import LangOf, Post, evaluate
from core.query.parser import QuerySyntaxError, parse_tree

__all__ = [
    "Query",
    "QueryCompileError",
    "QuerySyntaxError",
    "checked_query",
    "fts5_document",
    "parse",
    "search_document",
]


@dataclass(frozen=True)
class Query:
    """A parsed query. `text` is what the user wrote; `root` the tree."""

    text: str
    root: Node

    def matches(self, text: str, lang: str | None = None, source: str | None = None,
                lang_of: LangOf | None = None) -> bool:
        """Whether a post with this text (and language code, if known) matches.

        `source` (`Mention.source`: "x", "bluesky", ...) reads @handles by that platform's rules;
        without it, any platform's reading counts (docs/query-language.md, "Handles"). `lang_of`: what a
        `lang:` reads for a post without `lang` (the language the pipeline will detect; None: no language).
        """
        return evaluate(self.root, Post.of(text or "", lang, source, lang_of))

    def positive_terms(self) -> list[str]:
        """Words, phrases, #hashtags and @handles that count towards a match (not negated), for highlighting.

        A prefix term comes without its '*' (`overheat*` -> `overheat`): a highlighter marks where it starts a word."""
        out = [leaf.bare_text if isinstance(leaf, Term) else str(leaf) for leaf in positive_leaves(self.root)]
        return list(dict.fromkeys(out))

    def __str__(self) -> str:
        return str(self.root)


@lru_cache(maxsize=512)
def parse(text: str) -> Query:
    """Parse a query; raise QuerySyntaxError ('column N: problem') on bad syntax."""
    return Query(text, parse_tree(text))


def checked_query(text: str) -> str:
    """`text` when it parses, for a config field's validator; ValueError "bad query: column N: problem" else."""
    try:
        parse(text)
    except QuerySyntaxError as exc:
        raise ValueError(f"bad query: {exc}") from None
    return text
