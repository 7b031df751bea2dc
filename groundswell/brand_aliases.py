"""Checking a brand's `aliases`, `inflect` and `crisis_terms` settings, and turning them into query leaves.

The matching rules themselves live in core/query/aliases.py (aliases) and alerts/keyword.py (crisis
terms, written and inflected by the same rules); this module only reads the config's shape and reports
every problem at once, one line per alias or term, naming what to fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alerts.keyword import crisis_series
from core.query.aliases import alias_fragment, name_key, name_leaf, written
from core.query.stem import LANGUAGES, supported

if TYPE_CHECKING:
    from groundswell.config import BrandConfig


def brand_names(brand: BrandConfig) -> tuple[tuple[str, str], ...]:
    """(alias as written, its query leaf) per alias, once the aliases and the crisis terms (written and
    inflected by the same rules: alerts.keyword.crisis_series) are checked; ValueError listing every problem
    of both otherwise."""
    problems = [
        f"inflect: unknown language {lang!r}; one of {supported()}" for lang in brand.inflect if lang not in LANGUAGES
    ]
    langs = [x for x in brand.inflect if x in LANGUAGES]
    out: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, alias in enumerate(brand.aliases):
        text, own = written(alias)
        key = name_key(text)
        if key in seen:
            problems.append(f"aliases.{i}: {text!r} repeats aliases.{seen[key]}: remove one")
            continue
        seen[key] = i
        try:
            out.append((text, name_leaf(text, own, langs, alias_fragment)))
        except ValueError as exc:
            problems.append(f"aliases.{i}: {exc}")
    problems += crisis_series(brand.crisis_terms, langs)[1]
    if problems:
        # One line per problem, each 'field: what to fix' (config._problems puts the brand's path before it).
        raise ValueError("\n".join(problems) + ("\n" if len(problems) == 1 else ""))
    return tuple(out)
