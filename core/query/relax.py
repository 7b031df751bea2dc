"""Compile a query to a less expressive target, keeping the result a SUPERSET of true matches.

A backend that cannot express a node (X has no NEAR, Reddit no lang:, FTS5 no unary NOT)
gets the closest expression that never loses a match: unsupported parts become TRUE where
they are required and FALSE where they are negated. Collected posts are then filtered
with `Query.matches`, so the backend only has to over-collect, never under-collect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.query.ast import And, Near, Node, Not, Or

TRUE = "<TRUE>"
FALSE = "<FALSE>"


@dataclass(frozen=True)
class Expr:
    op: str  # "leaf", "and", "or", "not"
    parts: tuple[Expr, ...] = ()
    value: str = ""


Relaxed = Expr | str  # str only for TRUE / FALSE

# leaf(node, upper) -> native string, or None when the target cannot express it exactly.
LeafFn = Callable[[Node, bool], str | None]


def relax(node: Node, leaf: LeafFn, upper: bool = True, supports_not: bool = True) -> Relaxed:
    """Superset (upper=True) or subset (upper=False) of `node` in the target's terms."""
    if isinstance(node, Near):
        # No target here has proximity: both operands present is the tightest superset.
        return relax(And((node.left, node.right)), leaf, upper, supports_not) if upper else FALSE
    if isinstance(node, And | Or):
        parts = [relax(i, leaf, upper, supports_not) for i in node.items]
        absorbing, neutral = (FALSE, TRUE) if isinstance(node, And) else (TRUE, FALSE)
        if absorbing in parts:
            return absorbing
        kept = tuple(p for p in parts if p != neutral)
        if not kept:
            return neutral
        if len(kept) == 1:
            return kept[0]
        return Expr("and" if isinstance(node, And) else "or", kept)  # type: ignore[arg-type]
    if isinstance(node, Not):
        if not supports_not:
            return TRUE if upper else FALSE
        inner = relax(node.item, leaf, not upper, supports_not)
        if inner == TRUE:
            return FALSE
        if inner == FALSE:
            return TRUE
        return Expr("not", (inner,))  # type: ignore[arg-type]
    native = leaf(node, upper)
    if native is None:
        return TRUE if upper else FALSE
    return Expr("leaf", value=native)


def has_positive_leaf(expr: Relaxed, negated: bool = False, skip: Callable[[str], bool] = lambda s: False) -> bool:
    """Whether some leaf is reachable without negation (search APIs refuse all-negative queries)."""
    if isinstance(expr, str):
        return False
    if expr.op == "leaf":
        return not negated and not skip(expr.value)
    if expr.op == "not":
        return has_positive_leaf(expr.parts[0], not negated, skip)
    if expr.op == "or":
        return all(has_positive_leaf(p, negated, skip) for p in expr.parts)
    return any(has_positive_leaf(p, negated, skip) for p in expr.parts)
