"""Brands that would count the same posts twice: an alias two brands share, or two brands with one query.

Neither is an error (a holding and its subsidiary may share a nickname on purpose), but each post that names
it is counted under both brands, in every figure and alert of each, so `config check` warns (exit 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.query.aliases import name_key, written
from groundswell.config_errors import item_place

if TYPE_CHECKING:
    from groundswell.config import BrandConfig


def overlap_warnings(brands: Sequence[BrandConfig]) -> list[str]:
    """One line per alias a later brand shares with an earlier one, and per brand whose query an earlier brand
    already has (compared with spaces collapsed and case folded, as names are: `name_key`)."""
    out: list[str] = []
    alias_owner: dict[str, int] = {}
    query_owner: dict[str, int] = {}
    for i, brand in enumerate(brands):
        where = item_place("brands", i, brand.name)
        for j, alias in enumerate(brand.aliases):
            text, _ = written(alias)
            first = alias_owner.setdefault(name_key(text), i)
            if first != i:
                out.append(f"{where}.aliases.{j}: {text!r} is also an alias of {brands[first].name!r}: each post "
                           "naming it counts for both brands; keep it on one")
        first = query_owner.setdefault(name_key(brand.query), i)
        if first != i:
            out.append(f"{where}.query: the same query as {brands[first].name!r}: every post is counted for both "
                       "brands; give each brand its own query")
    return out
