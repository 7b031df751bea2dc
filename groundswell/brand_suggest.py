"""`groundswell brands suggest`: alias candidates for a brand, each with the stored mentions it would add.

A candidate "adds" a stored mention when the candidate matches it (with the inflection the
brand's `inflect` setting would give it) and the brand has neither the mention (stored under
another brand, or none) nor a term that already matches it (its query or an existing alias).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.mention import Mention
from core.query.aliases import alias_fragment, inflect_language
from groundswell.config import BrandConfig
from groundswell.transliteration import Candidate, candidates
from indexing.base import Filters, Store


@dataclass(frozen=True)
class Suggestion:
    candidate: Candidate
    fragment: str  # the query leaf it would be matched as
    matches: int  # stored mentions it matches
    adds: int  # of those, mentions the brand does not have yet


def brand_names(mention: Mention) -> set[str]:
    """The brands a stored mention is attributed to."""
    return set(mention.brands)


def suggest(brand: BrandConfig, store: Store, extra: Iterable[str] = ()) -> tuple[list[Suggestion], list[str]]:
    """Proposed aliases for `brand` (its name transliterated, then `extra`), counted on `store`; and notes."""
    proposed, notes = candidates(brand.name)
    proposed += [Candidate("", text, "--candidate") for text in extra]
    known = {" ".join(str(a if isinstance(a, str) else a.text).split()).casefold() for a in brand.aliases}
    out: list[Suggestion] = []
    for cand in proposed:
        if cand.text.casefold() in known:
            notes.append(f"{cand.text}: already an alias")
            continue
        try:
            fragment = alias_fragment(cand.text, inflect_language(cand.text, None, brand.inflect))
        except ValueError as exc:
            notes.append(str(exc))
            continue
        matches, adds = _count(brand, store, fragment)
        out.append(Suggestion(cand, fragment, matches, adds))
    return out, notes


def _count(brand: BrandConfig, store: Store, fragment: str) -> tuple[int, int]:
    terms = brand.terms()
    matches = adds = 0
    for mention in store.iter_mentions(Filters(text=fragment)):  # the store's own search of the alias
        matches += 1
        if brand.name not in brand_names(mention) and not terms.matches(mention.text, mention.lang, mention.source):
            adds += 1
    return matches, adds
