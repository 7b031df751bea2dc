"""The parsed form of a query: a small immutable tree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

# What the parser reads as '*' (the ASCII one and the two NFKC folds to it: fullwidth, small).
STARS = "*＊﹡"


@dataclass(frozen=True)
class Term:
    """A word or "quoted phrase"; `tokens` are its normalised tokens (see query.text).

    `inflect`: a language code when written `word~ru`: any form with the same stem matches
    (core/query/stem.py).
    `prefix`: the indices of the tokens written with '*' right after them (`overheat*`): each matches
    any text token that starts with it.
    `infix`: the indices of the Hangul tokens written with '*' right before them (`*과열`, also `*과열*`): each
    matches any text token that contains it (충전중과열됨). The parser refuses every other '*'
    (docs/query-language.md).
    """

    text: str
    tokens: tuple[str, ...]
    quoted: bool = False
    inflect: str | None = None
    prefix: tuple[int, ...] = ()
    infix: tuple[int, ...] = ()

    @property
    def bare_text(self) -> str:
        """The text as written without its '*' (`overheat*` -> `overheat`, `*과열` -> `과열`): what highlighting
        looks for."""
        return "".join(ch for ch in self.text if ch not in STARS) if self.prefix or self.infix else self.text

    def __str__(self) -> str:
        plain = not self.quoted and len(self.tokens) == 1 and self.bare_text.isalnum()
        body = self.text if plain else f'"{self.text}"'
        return f"{body}~{self.inflect}" if self.inflect else body


@dataclass(frozen=True)
class Hashtag:
    tag: str  # normalised body, without '#'

    def __str__(self) -> str:
        return f"#{self.tag}"


@dataclass(frozen=True)
class Cashtag:
    """`$AAPL`: the cashtag in the text (a plain `aapl` also matches `$AAPL`, not the other way round)."""

    tag: str  # normalised body, without '$'

    def __str__(self) -> str:
        return f"${self.tag}"


@dataclass(frozen=True)
class Handle:
    handle: str  # normalised, without '@'

    def __str__(self) -> str:
        return f"@{self.handle}"


@dataclass(frozen=True)
class Lang:
    code: str  # lower-case primary subtag, e.g. 'ko'

    def __str__(self) -> str:
        return f"lang:{self.code}"


@dataclass(frozen=True)
class Near:
    """Two operands (terms, or ORs of terms) at most `distance` tokens apart, in either order."""

    left: Term | Or
    right: Term | Or
    distance: int

    def __str__(self) -> str:
        return f"{_wrap(self.left)} NEAR/{self.distance} {_wrap(self.right)}"


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]

    def __str__(self) -> str:
        return " AND ".join(_wrap(i) for i in self.items)


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]

    def __str__(self) -> str:
        return " OR ".join(_wrap(i) for i in self.items)


@dataclass(frozen=True)
class Not:
    item: Node

    def __str__(self) -> str:
        return f"NOT {_wrap(self.item)}"


Node = Term | Hashtag | Cashtag | Handle | Lang | Near | And | Or | Not
Leaf = Term | Hashtag | Cashtag | Handle | Lang


def positive_leaves(node: Node, negated: bool = False) -> Iterator[Term | Hashtag | Cashtag | Handle]:
    """The words, phrases, #hashtags, $cashtags and @handles of a tree that count towards a match (not under NOT)."""
    if isinstance(node, Not):
        yield from positive_leaves(node.item, not negated)
    elif isinstance(node, And | Or):
        for item in node.items:
            yield from positive_leaves(item, negated)
    elif isinstance(node, Near):
        yield from positive_leaves(node.left, negated)
        yield from positive_leaves(node.right, negated)
    elif not negated and isinstance(node, Term | Hashtag | Cashtag | Handle):
        yield node


def _wrap(node: Node) -> str:
    return f"({node})" if isinstance(node, And | Or | Near) else str(node)
