"""Which brands a mention belongs to: the one attribution rule.

A post belongs to every configured brand whose query matches it, not only to the brand whose
search happened to return it: "Lumora beats Sonique" counts in both brands' volume, share of voice
and alerts. The collect step (`pipeline._store_batch`) and the store migration
(`groundswell store migrate`) both attribute through `attribute`, so a stored mention and a
re-attributed one agree. Stores union the brands on upsert (`indexing.base.merge_stored`), so a
later pass never takes a brand away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.mention import Mention
from core.query.aliases import QUERY
from core.query.match import Post
from groundswell.config import BrandConfig
from indexing.base import BRANDS, Filters, Store


def brands_matching(mention: Mention, brands: Sequence[BrandConfig]) -> dict[str, str]:
    """brand name -> what matched, for every brand in `brands` whose query or an alias matches the mention.

    What matched is the brand's query, or "alias: <alias>, ..." when only aliases did
    (`BrandConfig.terms`, the same per-script rules). Matched as the collector does
    (`extractors.base.Selector`): the post's text, language and source.
    """
    post = Post.of(mention.text or "", mention.lang, mention.source)  # cut once, evaluated per brand
    found: dict[str, str] = {}
    for brand in brands:
        hits = brand.terms().matched_post(post)
        if hits:
            found[brand.name] = brand.query if hits[0] == QUERY else "alias: " + ", ".join(hits)
    return found


def attribute(mention: Mention, brands: Sequence[BrandConfig]) -> Mention:
    """The mention with every matching brand added to the brands it already has (the brand whose
    search returned it, or those stored before). Never removes a brand."""
    return mention.with_brands(mention.brands, brands_matching(mention, brands))


@dataclass
class MigrateReport:
    """What `reattribute` did: mentions read, how many were rewritten (a brand or a match reason added),
    how many of those gained a brand, and which brands they gained."""

    scanned: int = 0
    updated: int = 0
    gained: int = 0
    gained_by_brand: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def reattribute(store: Store, brands: Sequence[BrandConfig], bar: Any = None, chunk: int = 500) -> MigrateReport:
    """Re-match every stored mention against every configured brand's query and store the ones
    that gained a brand (through the store's upsert, which unions brands and keeps enrichment).

    Idempotent: a second pass finds nothing to gain. `bar`: anything with `update(n)` (a progress bar)."""
    report = MigrateReport()
    pending: list[Mention] = []

    def flush() -> None:
        for result in store.upsert(pending, fields=BRANDS):
            if not result.ok:
                report.failed += 1
                if len(report.errors) < 10:
                    report.errors.append(f"{result.id}: {result.error}")
        pending.clear()

    # Spam and own posts too: they belong to brands like any post (and are counted only when asked).
    for mention in store.iter_mentions(Filters(include_spam=True)):
        report.scanned += 1
        after = attribute(mention, brands)
        if bar is not None:
            bar.update(1)
        if after is mention:
            continue
        report.updated += 1
        report.gained += after.brands != mention.brands
        for name in set(after.brands) - set(mention.brands):
            report.gained_by_brand[name] = report.gained_by_brand.get(name, 0) + 1
        pending.append(after)
        if len(pending) >= chunk:
            flush()
    if pending:
        flush()
    return report
