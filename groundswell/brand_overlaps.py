"""Brands that would count the same posts twice: an alias two brands share, an alias another brand's query or
alias matches, or two brands with one query.

Neither is an error (a holding and its subsidiary may share a nickname on purpose), but each post that names
it is counted under both brands, in every figure and alert of each, so `config check` warns (exit 3).

Names are compared as matching compares them, never as written: an alias is tried as a post against the other
brand's query and aliases (the matcher itself, `core.query`), so `蘋果` and `苹果`, `Ｌｕｍｏｒａ` and `Lumorá`, or the
alias `Lumora Pulse` and the query `Lumora` are found; two queries are the same when their trees are, words
compared folded (`fold`: case, width, accents, traditional Han). Only the pairs a cheap test leaves are evaluated:
a post holds the first characters of its words and its tags (`_words`), a query or leaf needs one of its positive
words or tags (`_needs`); that test never drops a pair the matcher would match
(tests/groundswell/test_brand_overlaps_speed_text2.py).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.query import Query
from core.query.ast import Cashtag, Handle, Hashtag, Node, Term, positive_leaves
from core.query.match import Post, evaluate, folded_tokens
from core.query.shape import matches_nearly_everything, never_matches, query_key
from core.query.stem import stem
from core.query.text import fold
from groundswell.config_errors import item_place

if TYPE_CHECKING:
    from groundswell.config import BrandConfig

# How many leading characters of a word the prefilter compares (`_words`, `_needs`).
_KEY_LEN = 3


@dataclass(frozen=True)
class _Alias:
    """An alias as matching reads it: as written, its leaf, read as a post; what the post holds and what the leaf
    needs a post to hold (`_words`, `_needs`)."""

    text: str
    leaf: Query
    post: Post
    words: frozenset[str]
    needs: frozenset[str] | None


@dataclass(frozen=True)
class _Names:
    """A brand's names as matching reads them: its query (with `query_key` and `_needs`), and its aliases."""

    name: str
    query: Query
    key: Hashable
    needs: frozenset[str] | None
    aliases: tuple[_Alias, ...]

    @classmethod
    def of(cls, brand: BrandConfig) -> _Names:
        terms = brand.terms()
        aliases = []
        for text, leaf in terms.aliases:
            post = Post.of(text, None)
            aliases.append(_Alias(text, leaf, post, _words(post), _needs(leaf.root)))
        return cls(brand.name, terms.query, query_key(terms.query.root), _needs(terms.query.root), tuple(aliases))


def overlap_warnings(brands: Sequence[BrandConfig]) -> list[str]:
    """One line per alias or query of a brand that overlaps a name of an earlier brand (the first such brand): an
    alias that the other brand's query or an alias matches, or whose own leaf matches one of its aliases, and a
    query the same as the other's (`query_key`) or matching one of its aliases.

    Only the pairs that share a word (`_words`, `_needs`) are evaluated, so 200 brands with 10 aliases each take
    well under a second, not the minutes trying every alias against every earlier brand's names took."""
    names = [_Names.of(brand) for brand in brands]
    seen = _Seen()
    out: list[str] = []
    for i, brand in enumerate(names):
        where = item_place("brands", i, brand.name)
        for j, alias in enumerate(brand.aliases):
            queries = seen.queries_needing(alias.words)
            theirs = seen.leaves_needing(alias.words)
            mine = seen.aliases_holding(alias.needs)
            for b in sorted(queries | theirs.keys() | mine.keys()):
                if found := _alias_overlap(alias, names[b], b in queries, theirs.get(b, set()), mine.get(b, set())):
                    out.append(f"{where}.aliases.{j}: {found}")
                    break
        same = seen.query_keys.get(brand.key)
        mine = seen.aliases_holding(brand.needs)
        for b in sorted(mine.keys() | ({same} if same is not None else set())):
            if found := _query_overlap(brand.query, names[b], b == same, mine.get(b, set())):
                out.append(f"{where}.query: {found}")
                break
        seen.add(i, brand)
    return out


class _Seen:
    """The earlier brands' names, indexed by the words their posts hold and their leaves need (`_words`, `_needs`):
    which of them may match, so that only those are evaluated."""

    def __init__(self) -> None:
        self.query_keys: dict[Hashable, int] = {}
        self._queries: defaultdict[str, set[int]] = defaultdict(set)
        self._any_query: set[int] = set()
        self._leaves: defaultdict[str, set[tuple[int, int]]] = defaultdict(set)
        self._any_leaf: set[tuple[int, int]] = set()
        self._posts: defaultdict[str, set[tuple[int, int]]] = defaultdict(set)
        self._all_posts: set[tuple[int, int]] = set()

    def add(self, b: int, brand: _Names) -> None:
        self.query_keys.setdefault(brand.key, b)
        _index(self._queries, self._any_query, brand.needs, b)
        for a, alias in enumerate(brand.aliases):
            _index(self._leaves, self._any_leaf, alias.needs, (b, a))
            for word in alias.words:
                self._posts[word].add((b, a))
            self._all_posts.add((b, a))

    def queries_needing(self, words: Iterable[str]) -> set[int]:
        """The brands whose query may match a post holding `words`."""
        return self._any_query.union(*(self._queries.get(w, ()) for w in words))

    def leaves_needing(self, words: Iterable[str]) -> dict[int, set[int]]:
        """Per brand, its aliases whose leaf may match a post holding `words`."""
        return _by_brand(self._any_leaf.union(*(self._leaves.get(w, ()) for w in words)))

    def aliases_holding(self, needs: frozenset[str] | None) -> dict[int, set[int]]:
        """Per brand, its aliases read as posts that a leaf or query needing `needs` may match."""
        if needs is None:
            return _by_brand(self._all_posts)
        return _by_brand(set().union(*(self._posts.get(w, ()) for w in needs)))


def _index(by_word: defaultdict[str, set], anywhere: set, needs: frozenset[str] | None, item: Hashable) -> None:
    if needs is None:
        anywhere.add(item)
    for word in needs or ():
        by_word[word].add(item)


def _by_brand(pairs: Iterable[tuple[int, int]]) -> dict[int, set[int]]:
    out: defaultdict[int, set[int]] = defaultdict(set)
    for b, a in pairs:
        out[b].add(a)
    return out


def _words(post: Post) -> frozenset[str]:
    """What a post holds, for the prefilter: the first 1 to _KEY_LEN characters of each of its (folded) tokens, and
    its #tags, $tags and @handles with their sigil (an @handle also as the user name before its '@instance')."""
    out = {token[:n] for token in post.tokens for n in range(1, _KEY_LEN + 1)}
    out |= {"#" + t for t in post.hashtags} | {"$" + t for t in post.cashtags}
    for handle in post.handles:
        out |= {"@" + handle[:at] for at, ch in enumerate(handle) if ch == "@"} | {"@" + handle}
    return frozenset(out)


def _needs(root: Node) -> frozenset[str] | None:
    """Words (as `_words` gives them) one of which every post the query tree `root` matches holds; None when a
    post may match without any (the tree matches an empty post, or a positive leaf has no such word).

    Sound because a tree false on an empty post (every leaf false, `lang:` as on any alias: no language) is true
    on a post only if one of its positive leaves is: leaves under NOT can only make it false."""
    if evaluate(root, Post.of("", None)):
        return None
    out: set[str] = set()
    for leaf in positive_leaves(root):
        word = _leaf_word(leaf)
        if word is None:
            return None
        out.add(word)
    return frozenset(out)


def _leaf_word(leaf: Term | Hashtag | Cashtag | Handle) -> str | None:
    """What a post that `leaf` matches holds (`_words`), or None when that cannot be told."""
    if isinstance(leaf, Hashtag):
        return "#" + fold(leaf.tag)
    if isinstance(leaf, Cashtag):
        return "$" + leaf.tag
    if isinstance(leaf, Handle):
        return "@" + fold(leaf.handle)  # the handle, or the user name of '@handle@instance'
    starts = []
    for j, token in enumerate(folded_tokens(leaf.tokens)):
        if j in leaf.infix:
            continue  # a Hangul infix may stand anywhere in a word
        if leaf.inflect and j not in leaf.prefix:
            # Every form `inflected_matches` accepts starts with what the word and its stem share.
            token = os.path.commonprefix([token, stem(token, leaf.inflect)])
        # A text token matching this one equals it or starts with it (prefix, Hangul): it has these characters.
        starts.append(token[:_KEY_LEN])
    return max(starts, key=len, default="") or None


def _alias_overlap(alias: _Alias, other: _Names, query: bool, theirs: set[int], mine: set[int]) -> str | None:
    """How brand `other` also counts posts that name `alias`, or None. `query`, `theirs`, `mine`: what the
    prefilter left to evaluate (its query; its aliases whose leaf may match `alias`; those `alias` may match)."""
    if query and evaluate(other.query.root, alias.post):
        return f"{alias.text!r} is matched by the query of {other.name!r}: each post naming it counts for both brands"
    for a, their in enumerate(other.aliases):
        matched = a in theirs and evaluate(their.leaf.root, alias.post)
        matches = a in mine and evaluate(alias.leaf.root, their.post)
        if matched and matches:
            written = "" if their.text == alias.text else f" (written {their.text!r})"
            return (f"{alias.text!r} is also an alias of {other.name!r}{written}: each post naming it counts for "
                    "both brands; keep it on one")
        if matched:
            return (f"{alias.text!r} is matched by {their.text!r}, an alias of {other.name!r}: each post naming it "
                    "counts for both brands")
        if matches:
            return (f"{alias.text!r} matches {their.text!r}, an alias of {other.name!r}: each post naming "
                    f"{their.text!r} counts for both brands")
    return None


def _query_overlap(query: Query, other: _Names, same: bool, mine: set[int]) -> str | None:
    """How brand `other` and a brand with `query` count the same posts by that query, or None. `same`: the two
    queries have one `query_key`; `mine`: the aliases of `other` the prefilter left to evaluate `query` on."""
    if same:
        return (f"the same query as {other.name!r}: every post is counted for both brands; give each brand its own "
                "query")
    for a, their in enumerate(other.aliases):
        if a in mine and evaluate(query.root, their.post):
            return (f"it matches {their.text!r}, an alias of {other.name!r}: each post naming {their.text!r} counts "
                    "for both brands")
    return None


def query_shape_warnings(brands: Sequence[BrandConfig]) -> list[str]:
    """One line per brand whose query no post can match (`x AND NOT x`, two lang: ANDed: the query collects
    nothing), or that names nothing a post must hold (`NOT spam` alone: a source that reads everything, an import,
    collects every row for the brand). Each is a typo far more often than a wish (`core.query.shape`)."""
    out: list[str] = []
    for i, brand in enumerate(brands):
        where = item_place("brands", i, brand.name)
        root = brand.terms().query.root
        if reason := never_matches(root):
            also = " (only its aliases collect)" if brand.aliases else ""
            out.append(f"{where}.query: no post can match it: {reason}{also}; check for a typo")
        elif matches_nearly_everything(root):
            out.append(f"{where}.query: it names no word, tag or lang: a post must hold, so it matches nearly every "
                       "post (an import collects every row for this brand); add the brand's name, e.g. "
                       f'"{brand.name}" AND ({root})')
    return out
