"""A brand's aliases: other names and spellings, matched by the same per-script rules as queries.

An alias is a plain string, turned into one query leaf:
- `#lumora` is a hashtag, `@lumora` a handle (each platform's handle rules, core/query/handles.py);
- anything else is a "phrase": `Люмора`, `루모라`, `露莫拉`, `lumora.com` (the words `lumora com`
  in a row), matched per script as any query term (CJK as substrings, Hangul at word starts,
  Latin and Cyrillic whole words, accents folded);
- with an inflection language, `"Люмора"~ru`: every form with the same stem (core/query/stem.py).

A brand matches a post when its query OR any alias matches it. `BrandTerms.matched` says which
of them did, for attribution; `BrandTerms.search_query` is the one query string (query OR
aliases, `search_problem` says when it is too long) that collection compiles to each source's own search.

A brand's crisis terms (alerts/keyword.py) are names written the same way (`InflectedName`) and
inflected by the same rules (`name_leaf`: no `~` inside, `inflect_language`); only their leaf differs
(a literal phrase, never a hashtag or handle of its own).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from pydantic import Discriminator, StrictBool, Tag

from core.query import Query, parse
from core.query.ast import STARS
from core.query.match import Post, evaluate
from core.query.names import name_spans
from core.query.parser import MAX_LENGTH, QuerySyntaxError
from core.query.stem import LANGUAGES, script_of, script_of_words, supported
from core.strict import StrictModel

QUERY = "query"  # what `matched` reports when the brand's own query matched


class InflectedName(StrictModel):
    """A name with its own inflection, `{text: Люмора, inflect: ru}` (or `inflect: false`): an alias or crisis term."""

    text: str
    inflect: StrictBool | str | None = None


# A name, or a mapping with its own inflection: picked by shape, so a bad mapping is reported once.
Name = Annotated[
    Annotated[str, Tag("name")] | Annotated[InflectedName, Tag("mapping")],
    Discriminator(lambda v: "name" if isinstance(v, str) else "mapping"),
]


def written(name: str | InflectedName) -> tuple[str, str | bool | None]:
    """(text, its own inflect) of a configured name: a plain string has none of its own."""
    return (name, None) if isinstance(name, str) else (name.text, name.inflect)


def name_key(text: str) -> str:
    """What two configured names must not share (a repeat): the text, spaces collapsed, case folded."""
    return " ".join(text.split()).casefold()


def name_leaf(
    text: str, own: str | bool | None, brand: Sequence[str], leaf: Callable[[str, str | None], str], what: str = "alias"
) -> str:
    """The query leaf of a configured name (alias or crisis term) by `leaf(text, language or None)`: the language
    its own `inflect` or the brand's `inflect` gives it (`inflect_language`); ValueError naming the fix."""
    if "~" in text:
        raise ValueError(f"{text!r}: write the {what} without '~' and set inflect instead")
    return leaf(text, inflect_language(text, own, brand, what))


def alias_fragment(alias: str, inflect: str | None = None) -> str:
    """The query leaf an alias stands for; ValueError naming the fix when it cannot be one."""
    text = " ".join(alias.split())
    if not text:
        raise ValueError("an alias is empty: remove it or write the name")
    if text[0] in "#＃@＠":
        if inflect:
            raise ValueError(f"alias {alias!r}: #hashtags and @handles are matched as written; drop 'inflect'")
        fragment = text
    else:
        if any(q in text for q in '"“”'):
            raise ValueError(f"alias {alias!r}: remove the quotation marks (every alias is matched as a phrase)")
        # One plain word stays bare, so native searches get `Люмора`, not `"Люмора"`; the rest is a phrase.
        # (compared as NFKC: a full-width ＯＲ is the operator OR too, core/query/parser.py)
        bare = text.isalnum() and unicodedata.normalize("NFKC", text).upper() not in ("AND", "OR", "NOT", "NEAR")
        fragment = (text if bare else f'"{text}"') + (f"~{inflect}" if inflect else "")
    try:
        parse(fragment)
    except QuerySyntaxError as exc:
        raise ValueError(f"alias {alias!r}: {exc.message}") from None
    return fragment


def inflect_language(alias: str, own: str | bool | None, brand: Sequence[str], what: str = "alias") -> str | None:
    """Which language an alias (or crisis term: `what`) inflects in: its own `inflect`, else the brand's language
    for its script.

    own: a language code, True (the brand's language for the alias's script, or ru for Cyrillic),
    False (never), None (the brand's languages decide; aliases in no listed script stay exact). A name
    with a prefix (`overheat*`: every word that starts with it) is not inflected by the brand's languages;
    its own `inflect` is refused with it (a prefix and a stem do not go together: the parser says so).
    """
    if own is False or alias.lstrip()[:1] in ("#", "＃", "@", "＠"):
        if isinstance(own, str) or own is True:
            raise ValueError(f"{what} {alias!r}: #hashtags and @handles are matched as written; drop 'inflect'")
        return None
    if own is None and any(star in alias for star in STARS):
        return None
    if isinstance(own, str):
        if own.lower() not in LANGUAGES:
            raise ValueError(f"{what} {alias!r}: inflect: {own!r} is not a language we inflect; one of {supported()}")
        return own.lower()
    script = script_of_words(alias)
    candidates = [lang for lang in brand if lang in LANGUAGES and script_of(lang) == script]
    if len(candidates) > 1:
        raise ValueError(
            f"{what} {alias!r}: inflect lists {', '.join(candidates)} for {script} script; "
            f"say which one for this {what} ({{text: ..., inflect: xx}})"
        )
    if candidates:
        return candidates[0]
    if own is True:
        if script == "Cyrillic":
            return "ru"
        raise ValueError(f"{what} {alias!r}: 'inflect: true' needs the language: inflect: it (or es, fr, de, ...)")
    return None


@dataclass(frozen=True)
class BrandTerms:
    """A brand's query and its aliases, parsed once, for matching and for collection."""

    query: Query
    aliases: tuple[tuple[str, Query], ...]  # (alias as written, its query leaf)

    def matched(self, text: str, lang: str | None = None, source: str | None = None) -> list[str]:
        """Which of the brand's terms match a post: QUERY ('query') first, then each matching alias as written.

        Empty when the brand does not match. `source` reads @handles by that platform's rules.
        """
        return self.matched_post(Post.of(text or "", lang, source))

    def matched_post(self, post: Post) -> list[str]:
        """`matched` for a post already cut (`Post.of`): one cut, evaluated for every brand."""
        hits = [QUERY] if evaluate(self.query.root, post) else []
        return hits + [alias for alias, q in self.aliases if evaluate(q.root, post)]

    def name_spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of `text` where the brand's own words stand (its query's positive words and
        #hashtags, and its aliases), found by the rules that match them (core/query/names.py)."""
        return name_spans(text, [self.query.root, *(q.root for _, q in self.aliases)])

    def matches(self, text: str, lang: str | None = None, source: str | None = None) -> bool:
        """Whether the query or any alias matches (stops at the first)."""
        post = Post.of(text or "", lang, source)
        return evaluate(self.query.root, post) or any(evaluate(q.root, post) for _, q in self.aliases)

    @property
    def search_query(self) -> str:
        """`query OR alias1 OR ...`: the one query string collection compiles per source.

        No parentheses around the query: OR binds loosest, so `a AND b OR alias` already means `(a AND b) OR
        alias`, and a wrapping '(' would add a nesting level the brand's own query was checked without (a query
        at the parser's depth limit would then fail at collection only)."""
        if not self.aliases:
            return self.query.text
        return " OR ".join([self.query.text, *(q.text for _, q in self.aliases)])

    def search_problem(self) -> str | None:
        """Why `search_query` cannot be parsed as collection parses it, or None. The query and each alias are
        checked on their own; together they can still pass the parser's length limit (`MAX_LENGTH`)."""
        if not self.aliases:
            return None
        text = self.search_query
        try:
            parse(text)
        except QuerySyntaxError as exc:
            n = len(self.aliases)
            if len(text) > MAX_LENGTH:
                return (
                    f"the query ({len(self.query.text):,} characters) with its {n} alias(es), joined by OR for "
                    f"collection, is {len(text):,} characters; a query may have at most {MAX_LENGTH:,}: shorten "
                    f"the query by {len(text) - MAX_LENGTH:,} characters or drop aliases the query already covers"
                )
            return f"the query with its {n} alias(es), joined by OR for collection, does not parse: {exc}"
        return None


@lru_cache(maxsize=256)
def brand_terms(query: str, aliases: tuple[tuple[str, str], ...] = ()) -> BrandTerms:
    """BrandTerms for a query and (alias, fragment) pairs from `alias_fragment` (cached: configs are small)."""
    return BrandTerms(parse(query), tuple((alias, parse(fragment)) for alias, fragment in aliases))
