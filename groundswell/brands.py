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
from functools import lru_cache
from typing import Any

from core.lang_tags import UNKNOWN_LANG, lang_tag
from core.mention import Mention
from core.query.aliases import QUERY
from core.query.match import LangOf, Post
from groundswell.config import BrandConfig, Config
from indexing.base import BRANDS, Filters, Store

LANG = frozenset({"lang"})  # the stored language alone (`store migrate` normalising old tags)


def collection_lang_of(config: Config) -> LangOf:
    """What collection's `lang:` reads for a post whose source gave no language: the language the enrich step
    detects and stores, by the same rule (`nlp.model_text.ModelText.languages`: every configured brand's name read
    as `@user`, capped), so a `lang:ko` brand keeps the Korean posts of Reddit and Hacker News, which never say.
    Cached per text: one post is matched for several brands."""
    model_text = config.model_text()

    @lru_cache(maxsize=4096)
    def lang_of(text: str) -> str | None:
        return model_text.languages([text])[0]

    return lang_of


def brands_matching(mention: Mention, brands: Sequence[BrandConfig], lang_of: LangOf | None = None) -> dict[str, str]:
    """brand name -> what matched, for every brand in `brands` whose query or an alias matches the mention.

    What matched is the brand's query, or "alias: <alias>, ..." when only aliases did
    (`BrandConfig.terms`, the same per-script rules). Matched as the collector does
    (`extractors.base.Selector`): the post's text, language (`lang_of`'s for a post without one) and source.
    """
    return _matching(mention, brands, lang_of)[0]


def _matching(mention: Mention, brands: Sequence[BrandConfig], lang_of: LangOf | None) -> tuple[dict[str, str], Post]:
    post = Post.of(mention.text or "", mention.lang, mention.source, lang_of)  # cut once, evaluated per brand
    found: dict[str, str] = {}
    for brand in brands:
        hits = brand.terms().matched_post(post)
        if hits:
            found[brand.name] = brand.query if hits[0] == QUERY else "alias: " + ", ".join(hits)
    return found, post


def attribute(mention: Mention, brands: Sequence[BrandConfig], lang_of: LangOf | None = None) -> Mention:
    """The mention with every matching brand added to the brands it already has (the brand whose
    search returned it, or those stored before). Never removes a brand. `lang_of`: the language a `lang:`
    reads for a post without one (`collection_lang_of`; None: such a post has no language); when a `lang:` made
    it look, the mention carries that language (enrich keeps it), so the store says what it was matched by."""
    found, post = _matching(mention, brands, lang_of)
    if post.detected is not None:
        mention = mention.model_copy(update={"lang": post.detected})
    return mention.with_brands(mention.brands, found)


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
    langs_normalised: int = 0  # mentions whose stored language tag was rewritten as its base code (`ko-KR` → `ko`)


def reattribute(store: Store, brands: Sequence[BrandConfig], bar: Any = None, chunk: int = 500,
                lang_of: LangOf | None = None) -> MigrateReport:
    """Re-match every stored mention against every configured brand's query and store the ones
    that gained a brand (through the store's upsert, which unions brands and keeps enrichment).
    `lang_of`: the language a `lang:` reads for a stored post not yet enriched (`collection_lang_of`).

    Idempotent: a second pass finds nothing to gain. `bar`: anything with `update(n)` (a progress bar)."""
    report = MigrateReport()
    pending: list[Mention] = []
    relabel: list[Mention] = []
    # Languages stored as the source spelled them, before tags were normalised (`ko-KR`, `KO`): a mention reads
    # back as `ko` (core/lang_tags.py), so every mention of such a language is written again with its base code.
    tags = [t for t in store.facet(Filters(include_spam=True), "lang") if t != UNKNOWN_LANG]
    stale = {lang_tag(t) for t in tags if lang_tag(t) != t} - {None}

    def flush(batch: list[Mention], fields: frozenset[str]) -> None:
        for result in store.upsert(batch, fields=fields):
            if not result.ok:
                report.failed += 1
                if len(report.errors) < 10:
                    report.errors.append(f"{result.id}: {result.error}")
        batch.clear()

    # Spam and own posts too: they belong to brands like any post (and are counted only when asked).
    for mention in store.iter_mentions(Filters(include_spam=True)):
        report.scanned += 1
        after = attribute(mention, brands, lang_of)
        if bar is not None:
            bar.update(1)
        if mention.lang in stale:
            relabel.append(mention)
            report.langs_normalised += 1
            if len(relabel) >= chunk:
                flush(relabel, LANG)
        if after.brands == mention.brands and after.matches == mention.matches:
            continue  # (a language `lang_of` found is not written here: enrich detects the same)
        report.updated += 1
        report.gained += after.brands != mention.brands
        for name in set(after.brands) - set(mention.brands):
            report.gained_by_brand[name] = report.gained_by_brand.get(name, 0) + 1
        pending.append(after)
        if len(pending) >= chunk:
            flush(pending, BRANDS)
    if pending:
        flush(pending, BRANDS)
    if relabel:
        flush(relabel, LANG)
    return report
