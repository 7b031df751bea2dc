"""Markets (`brands[].market`): the brands that compete with each other, whose mentions share of voice divides by.

One install may watch unrelated markets (a Korean skincare brand and an Italian pasta brand, each with its
competitor): share of voice over every configured brand would count the pasta against the skincare. A brand
without `market` is in the one shared market of the brands without one, so a config that names no market has
a single market of every brand: today's share of voice. Names compare trimmed and case-insensitively ("Korea"
and "korea " are one market): a typo in the case of a name must not split a market silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol


class MarketBrand(Protocol):
    """What markets read of a brand: `BrandConfig` and the dashboard's `BrandInfo` both have it."""

    @property
    def name(self) -> str: ...
    @property
    def competitor(self) -> bool: ...
    @property
    def market(self) -> str | None: ...


def market_key(market: str | None) -> str | None:
    """The key a market name compares by; None for the shared market of brands without one."""
    return None if market is None else market.strip().casefold()


def markets(brands: Iterable[MarketBrand]) -> dict[str | None, list[str]]:
    """Brand names per market key, in config order."""
    out: dict[str | None, list[str]] = {}
    for brand in brands:
        out.setdefault(market_key(brand.market), []).append(brand.name)
    return out


def peers(brands: Sequence[MarketBrand], name: str) -> list[str]:
    """The names of the brands in `name`'s market, itself included, in config order (every brand when `name` is
    not configured: the shared denominator share of voice had before markets)."""
    for brand in brands:
        if brand.name == name:
            return markets(brands)[market_key(brand.market)]
    return [b.name for b in brands]


def market_label(brands: Sequence[MarketBrand], name: str) -> str | None:
    """The market name as the config first spells it, None for the shared market."""
    key = next((market_key(b.market) for b in brands if b.name == name), None)
    return next((b.market.strip() for b in brands if b.market is not None and market_key(b.market) == key), None)


def market_warnings(brands: Sequence[MarketBrand]) -> list[str]:
    """A market of competitors only, when the config has several markets: its share of voice compares brands
    none of which is the team's, and most often a market name is misspelt on one brand (the own brand then reads
    100% share of voice, a `min_share_of_voice` goal met by mistake). One line per such market, at its first
    brand's position."""
    groups = markets(brands)
    if len(groups) < 2:
        return []  # one market: share of voice as before markets, whatever the brands are
    at = {b.name: i for i, b in enumerate(brands)}
    competitor = {b.name: b.competitor for b in brands}
    named = ", ".join(market_label(brands, g[0]) or "(none)" for g in groups.values())
    out = []
    for key, names in groups.items():
        if all(competitor[n] for n in names):
            which = "the brands without a market are" if key is None else (
                f"market '{market_label(brands, names[0])}' has")
            out.append(
                f"brands.{at[names[0]]} ({names[0]}).market: {which} only competitor brands ({', '.join(names)}), "
                f"so no own brand's share of voice is counted with theirs; give them the market of the brand they "
                f"compete with (markets: {named})"
            )
    return out
