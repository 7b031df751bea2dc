"""Compiler to SQLite FTS5 MATCH expressions (a superset of the true matches, see core/query/relax.py)."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Container
from functools import lru_cache

from core.lang_tags import UNKNOWN_LANG
from core.query import Query
from core.query.ast import And, Cashtag, Handle, Hashtag, Lang, Node, Or, Term
from core.query.compile import render
from core.query.document import fts5_document
from core.query.relax import Expr, relax
from core.query.stem import stem
from core.query.text import CYRILLIC_EXTRA, HANZI_FOLDED_TO, HANZI_SIMPLIFIED, fold, is_hangul, is_symbol, tokenize


def fts5_column(text: str) -> str:
    """What the SQLite FTS column holds for `text`: `fts5_document(text)` between two spaces.

    The spaces bound every token on both sides, so a word match can be looked for as ' word ': exact
    at word edges, and long enough for the trigram index even for a one- or two-letter word ('HP',
    'LG', '5G'), which otherwise no trigram could find and every candidate row would be read."""
    return f" {fts5_document(text)} "


def _fts5_segments(
    tokens: tuple[str, ...] | list[str], prefixes: bool = False, open_ends: Container[int] = (),
    infix: Container[int] = (),
) -> list[str]:
    """Substrings of `fts5_column(text)` that every match of these tokens must contain.

    Tokens are folded as the document is. Every segment starts at a token's start, so with the space
    before it, except an infix's (`*과열`, whose index is in `infix`): a text token holding it anywhere, so it is
    a segment of its own with no space on either side (shorter than a trigram, 2 syllables, it is left out).
    A Hangul query token matches a text token that only starts with it, so it ends a
    segment, without the space after; so does a token whose index is in `open_ends` (written `word*`:
    a prefix), and every token when `prefixes` (the stems of an inflected term, `~ru`: a form starts
    with its stem). Any other segment ends with a whole token, so with the space after it.
    """
    segments, current = [], []
    for i, tok in enumerate(tokens):
        if i in infix:
            if current:  # the tokens before it are whole (the infix's token starts after a space)
                segments.append(" " + " ".join(current) + " ")
                current = []
            segments.append(fold(tok))
            continue
        current.append(fold(tok))
        if is_hangul(tok) or prefixes or i in open_ends:
            segments.append(" " + " ".join(current))
            current = []
    if current:
        segments.append(" " + " ".join(current) + " ")
    return [s for s in segments if len(s) >= 3]  # trigram FTS cannot look for shorter strings


def _raw_safe(token: str) -> bool:
    """A token SQLite's own case folding finds verbatim in un-normalised text.

    Matching ignores Latin accents, so a token with any Latin letter may appear in the raw
    text with accents the query lacks ('bateria' in 'batería'); likewise Cyrillic е and ё,
    which stand for each other ('аленка' in 'Алёнка'), traditional and simplified Han ('电池' in '電池'), and
    emoji, which raw text may draw with a skin tone or a presentation selector ('👍🏽' for '👍'): such tokens
    are left out of raw-text prefilters (they stay in the exact post-filter).
    """
    return len(token) >= 3 and not is_symbol(token) and not any(_spelled_otherwise(ch) for ch in token)




def _spelled_otherwise(ch: str) -> bool:
    """Whether raw text may spell `ch` as another letter that matching takes for it (core/query/text.py `fold`)."""
    folds = set(CYRILLIC_EXTRA) | set(CYRILLIC_EXTRA.values())
    if ch in HANZI_SIMPLIFIED or ch in HANZI_FOLDED_TO:  # 電 and 电 stand for each other
        return True
    return ch in folds or (ch.isalpha() and "LATIN" in unicodedata.name(ch, "LATIN"))


def _fts5_leaf_for(normalized: bool):
    def leaf(node: Node, upper: bool) -> str | None:
        inflect, prefix, infix = None, (), ()
        if isinstance(node, Term):
            tokens: tuple[str, ...] | list[str] = node.tokens
            inflect, prefix, infix = node.inflect, node.prefix, node.infix
        elif isinstance(node, Cashtag):
            if upper and normalized:  # the post's `$tag` unit (core/query/document.py): exact
                return '"' + f" ${node.tag} " + '"'
            tokens = tokenize(node.tag)
        elif isinstance(node, Hashtag):
            if upper and normalized:  # the post's `#tag` unit (core/query/document.py): exact, as a cashtag's
                return '"' + f" #{fold(node.tag)} ".replace('"', '""') + '"'
            tokens = tokenize(node.tag)
        elif isinstance(node, Handle):
            tokens = tokenize(node.handle)
        else:
            return None
        if not upper:
            return None  # never needed: NOT is relaxed away before leaves are reached negated
        if inflect:
            # A form starts with the stem, or is the query's own word (core/query/stem.py `inflected_matches`);
            # a stem need not start the word itself (French y -> i: 'payer' -> 'pai'): their common prefix.
            tokens = [os.path.commonprefix([fold(t), stem(fold(t), inflect)]) for t in tokens]
        # Raw text: a token is looked for as a substring, which a prefix (`overheat*`) is of every word it starts, and
        # an infix (`*과열`) of every word it stands in.
        segments = (
            _fts5_segments(tokens, bool(inflect), prefix, infix) if normalized else [t for t in tokens if _raw_safe(t)]
        )
        if not segments:
            return None
        return " AND ".join('"' + s.replace('"', '""') + '"' for s in segments)

    return leaf


def to_fts5(query: Query, normalized: bool = False) -> str | None:
    """FTS5 MATCH expression for a `tokenize='trigram'` table, a SUPERSET of the true matches.

    normalized=True: the FTS column holds `fts5_column(text)`; phrases, short words and Han/Kana
    terms prefilter well and the superset is exact. normalized=False: the column holds the raw
    text; only single tokens of 3+ characters are used (no prefilter for short CJK terms).
    Post-filter the candidates with `Query.matches`. None when no prefilter is safe (only
    short terms, only negations, only lang:).
    """
    expr = relax(query.root, _fts5_leaf_for(normalized), supports_not=False)
    if not isinstance(expr, Expr):
        return None  # TRUE: nothing to prefilter on; FALSE cannot happen without NOT
    return render(expr, " AND ", "NOT ")


@lru_cache(maxsize=512)
def fts5_exact(query: Query) -> bool:
    """Whether `to_fts5(query, normalized=True)` finds exactly the rows `query.matches(text, lang)` accepts, so
    that a store may count or return them without running the matcher on each (it stays the judge otherwise).

    Why it can be exact: the column is ` u1 u2 ... un ` (`fts5_column`), units between single spaces and none
    inside one: the post's tokens (runs of word characters and their marks, and single emoji or symbols,
    folded), then its `#tag`, `$tag` and `@handle` units, which start with a sigil no query token starts with (a
    token starts with a word character or a symbol). A `$cashtag` is looked for as its unit ' $tag ', found
    where, and only where, the post has that cashtag: exact too; so is a `#hashtag` as its unit ' #tag ' (the tag
    folded, as the column and the matcher both fold a post's hashtags).
    A segment ' q1 ... qk ' (`_fts5_segments`) is therefore in the column where, and only where, k consecutive
    tokens of the post equal q1 ... qk: the matcher's rule for whole-word query tokens. When the last token is
    open (no space after it: a Hangul word or `word*`), the last of those tokens need only start with qk: the
    matcher's rule for Hangul and prefix tokens. A lone Hangul infix of 3 or more characters (`*과열됨`) is
    looked for without spaces, found where a token contains it (`_exact_term`). The trigram index finds a
    string of 3 or more characters exactly where it occurs (its case folding merges no two characters folded
    text can hold: tests/indexing/test_sqlite_exact_text.py checks every one), and AND / OR of exact leaves are exact.

    Not exact, so False: a Hangul infix of 2 characters (no trigram: no segment) or inside a phrase, a term cut
    into several segments (a Hangul word or `word*` before its last token: each
    segment is found on its own, anywhere), one with a segment left out (shorter than a trigram) or an empty
    folded token, inflected terms (`word~ru`: a prefix of the stem stands for them), NOT (dropped: FTS5 has no
    unary NOT), NEAR (relaxed to AND), `lang:` (not in the column; the store decides top-level ones on its
    language column, `split_langs`), and @handles (looked up as the words they hold: which handles a post has
    depends on its platform's rules, the column holds every platform's reading). Like the prefilter itself, this
    holds for an index holding this version's `fts5_column(text)` (`indexing.sqlite.FTS_VERSION`).
    """
    return _exact(query.root)


def _exact(node: Node) -> bool:
    if isinstance(node, And | Or):
        return all(_exact(item) for item in node.items)
    return isinstance(node, Cashtag | Hashtag) or (isinstance(node, Term) and _exact_term(node))


def _exact_term(term: Term) -> bool:
    """Whether a term compiles to one segment holding all its tokens (see `fts5_exact`)."""
    if term.inflect or not term.tokens:
        return False
    if term.infix:
        # `*과열됨` alone: the segment '과열됨' (3+ characters, Hangul only, no space) is in the column where, and only
        # where, a unit holds it; the units holding Hangul letters are the post's Hangul tokens (a script change
        # ends a token) and `#tag`/`@handle` units, whose Hangul runs are tokens of the post too. So: exactly
        # where a token of the post contains it, the matcher's rule. Shorter, or in a phrase: not exact.
        return term.infix == (0,) and len(term.tokens) == 1 and len(fold(term.tokens[0])) >= 3
    folded = [fold(t) for t in term.tokens]
    last = len(term.tokens) - 1
    opened = [i for i, t in enumerate(term.tokens) if is_hangul(t) or i in term.prefix]
    if any(i != last for i in opened):
        return False  # an open token before the last ends a segment: the rest is looked for apart
    segment = " " + " ".join(folded) + ("" if opened else " ")
    return all(folded) and len(segment) >= 3 and _fts5_segments(term.tokens, False, term.prefix) == [segment]


# Stored tags other than a base code (`sqlite_lang._CANDIDATE`: an older version may still write `ko-KR`): only these
# need `gs_lang_tag` (core.lang_tags.lang_tag, registered per connection); any other tag is its own base code.
_ODD_TAG = "(m.lang GLOB '*[^a-z]*' OR length(m.lang) <> 2 OR m.lang IN ('iw', 'in', 'ji', 'jw', 'mo'))"


@lru_cache(maxsize=512)
def split_langs(query: Query) -> tuple[tuple[tuple[str, ...], ...], Query | None]:
    """The query's `lang:` conditions that SQL can decide on the `m.lang` column, and what the matcher must still
    judge: each top-level AND conjunct that is a `lang:` (or an OR of `lang:`s) becomes one tuple of codes (any of
    them), and the rest of the query is returned without them (None: nothing left, the query was only those).
    A `lang:` anywhere else (under OR with a word, under NOT) stays with the matcher."""
    items = query.root.items if isinstance(query.root, And) else (query.root,)
    langs, rest = [], []
    for item in items:
        if isinstance(item, Lang):
            langs.append((item.code,))
        elif isinstance(item, Or) and all(isinstance(i, Lang) for i in item.items):
            langs.append(tuple(i.code for i in item.items))  # type: ignore[union-attr]
        else:
            rest.append(item)
    if not langs:
        return (), query
    if not rest:
        return tuple(langs), None
    root = rest[0] if len(rest) == 1 else And(tuple(rest))
    return tuple(langs), Query(str(root), root)


def lang_clause(codes: tuple[str, ...]) -> tuple[str, list[str]]:
    """SQL condition on `m.lang` that holds exactly where the matcher's `lang:` holds for one of `codes` (as the store
    judges, with no language detected for a post without one: core/query/match.py `Lang`): the stored tag's base
    code (`lang_tag`) is the code, or for `unknown` there is none. A stored base code is compared as it is; only an
    odd tag (`_ODD_TAG`) is normalised by `gs_lang_tag`, row by row."""
    parts, params = [], []
    for code in codes:
        if code == UNKNOWN_LANG:
            parts.append(f"m.lang IS NULL OR ({_ODD_TAG} AND gs_lang_tag(m.lang) IS NULL)")
        else:
            parts.append(f"m.lang = ? OR ({_ODD_TAG} AND gs_lang_tag(m.lang) = ?)")
            params += [code, code]
    return "(" + " OR ".join(f"({p})" for p in parts) + ")", params
