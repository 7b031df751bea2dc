"""Which brand each of a post's theme labels belongs to, as both stores index it.

Themes are clustered per brand (groundswell/themes_step.py), and a post naming two brands carries the themes of
both (`Mention.brand_themes`, brand -> its labels, top-level theme first). A brand's theme figures count only
the rows of that brand, so another brand's clusters never leak in, and two brands' clusters that got the same
label are never summed. A label of no known brand (stored before `brand_themes` existed, or written by an
import) is indexed under `UNATTRIBUTED` and counts, as it always did, for every brand of the post until the
next themes pass gives it its brand.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.mention import Mention

UNATTRIBUTED = ""  # the brand of a label stored before `Mention.brand_themes`
SEP = "\x1f"  # between brand and label in one keyword (Elasticsearch's `theme_keys`): in neither by config/label


def theme_rows(m: Mention) -> list[tuple[str, str]]:
    """(brand, label) for every theme label of `m`: one row per brand whose themes gave it that label, and
    (`UNATTRIBUTED`, label) for a label no brand's entry holds."""
    rows = [(brand, label) for brand, labels in sorted(m.brand_themes.items()) for label in labels]
    held = {label for _, label in rows}
    rows += [(UNATTRIBUTED, label) for label in m.themes if label not in held]
    return list(dict.fromkeys(rows))


def selected_brands(brand: str | None, brands: Sequence[str] | None) -> tuple[str, ...] | None:
    """The brands whose theme rows a filter's theme figures read (with the unattributed ones): every brand it
    names (`Filters.brand` and `Filters.brands`); None when it names none (any brand's rows). Several brands read
    only their own rows, never a brand the filter left out (a post naming a third brand carries its themes too)."""
    named = tuple(dict.fromkeys([*([brand] if brand is not None else []), *(brands or ())]))
    return named or None


def theme_key(brand: str, label: str) -> str:
    """One (brand, label) row as one keyword."""
    return f"{brand}{SEP}{label}"


def main_theme_labels(m: Mention) -> list[str]:
    """Each brand's top-level theme of `m` as "brand › label" (the first of its labels; aspects left out): what
    Kibana's "Top themes" panel counts, so a post counts once per brand, never once more for its aspect.
    Unattributed labels have no known level and are left out until the next themes pass attributes them."""
    return [f"{brand} › {labels[0]}" for brand, labels in sorted(m.brand_themes.items()) if labels]
