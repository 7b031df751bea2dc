"""The Elasticsearch store's theme fields: a brand counts only the themes clustered for it.

`themes` (every label of the post, any brand's) stays for a filter or count across brands. Beside it, derived
on write (`elasticsearch_mapping.to_document`) from `Mention.brand_themes` (indexing/theme_rows.py):

- `theme_keys`: "brand<US>label" for each label a brand's themes gave the post, "<US>label" (no brand) for a label
  of no known brand. A brand's figures read its own keys and the unattributed ones, so another brand's themes of
  a shared post never leak in and two brands' clusters of the same label are never summed.
- `main_themes`: each brand's top-level theme as "brand › label", aspects left out: Kibana's "Top themes"
  panel counts it, so a post with a theme and one of its aspects is one bar's post, not two.
- `brand_themes` itself: kept in `_source` only (brand names as keys: no mapping explosion).

Indices from before these fields get them on open (`elasticsearch_theme_migrate.add_theme_fields`): documents
that have themes but no `theme_keys` get their labels as unattributed keys, which count for every brand of the
post as they always did, and an empty `main_themes` (the level of an old label is not known to the store). The
next themes pass attributes them (groundswell/themes_step.py `_adopt`), and `groundswell themes --full` redraws
them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from indexing.base import Filters, ThemeCount
from indexing.theme_rows import SEP, UNATTRIBUTED, theme_key

THEME_KEYS = "theme_keys"
MAIN_THEMES = "main_themes"
_KEYWORD = {"type": "keyword", "ignore_above": 1024}
THEME_MAPPING: dict[str, Any] = {
    "themes": _KEYWORD,
    "brand_themes": {"type": "object", "enabled": False},
    THEME_KEYS: _KEYWORD,
    MAIN_THEMES: _KEYWORD,
}
DERIVED = (THEME_KEYS, MAIN_THEMES)


def single_brand(f: Filters) -> str | None:
    """The one brand a filter asks for, or None for none or several (as the SQLite store reads it)."""
    if f.brands is None:
        return f.brand
    return f.brands[0] if f.brand is None and len(set(f.brands)) == 1 else None


def theme_filter(f: Filters) -> dict[str, Any]:
    """The clause for `f.theme`: that label among the brand's own and unattributed keys, or any brand's."""
    brand = single_brand(f)
    if brand is None:
        return {"term": {"themes": f.theme}}
    return {"terms": {THEME_KEYS: [theme_key(brand, f.theme or ""), theme_key(UNATTRIBUTED, f.theme or "")]}}


def count_sources(f: Filters) -> list[dict[str, Any]]:
    """The composite sources of `top_themes`: theme keys for one brand (read back by `theme_counts`)."""
    field = "themes" if single_brand(f) is None else THEME_KEYS
    return [{"th": {"terms": {"field": field}}}, {"s": {"terms": {"field": "sentiment.label", "missing_bucket": True}}}]


def theme_counts(f: Filters, buckets: Iterable[dict[str, Any]], n: int) -> list[ThemeCount]:
    """Composite buckets (theme or theme key x sentiment) -> the n most mentioned themes of `f`. For one brand
    only its own and unattributed keys count (a post holds a label under one of them, never both)."""
    brand = single_brand(f)
    themes: dict[str, ThemeCount] = {}
    for b in buckets:
        label = _label(b["key"]["th"], brand)
        if label is None:
            continue
        entry = themes.setdefault(label, ThemeCount(theme=label, count=0))
        entry.count += b["doc_count"]
        key = b["key"]["s"] or "unknown"
        entry.sentiment[key] = entry.sentiment.get(key, 0) + b["doc_count"]
    return sorted(themes.values(), key=lambda t: (-t.count, t.theme))[:n]


def _label(value: str, brand: str | None) -> str | None:
    """The label of a bucket's value when it counts for `brand` (None: it is another brand's)."""
    if brand is None:
        return value
    owner, _, label = value.partition(SEP)
    return label if owner in (brand, UNATTRIBUTED) else None


def histogram_aggs(f: Filters, wanted: list[str], buckets: dict[str, Any]) -> dict[str, Any]:
    """The `theme_histogram` aggregation: the wanted labels (for one brand, its own and unattributed keys)."""
    brand = single_brand(f)
    if brand is None:
        include, field = wanted, "themes"
    else:
        include = [theme_key(owner, t) for t in wanted for owner in (brand, UNATTRIBUTED)]
        field = THEME_KEYS
    return {"th": {"terms": {"field": field, "include": include, "size": len(include)}, "aggs": {"t": buckets}}}


def histogram_series(f: Filters, answer: dict[str, Any]) -> dict[str, dict[datetime, int]]:
    """`histogram_aggs`' answer -> label -> bucket start -> count (a brand's own and unattributed keys summed)."""
    brand = single_brand(f)
    out: dict[str, dict[datetime, int]] = {}
    for b in answer.get("th", {}).get("buckets", []):
        label = _label(b["key"], brand)
        if label is None:
            continue
        series = out.setdefault(label, {})
        for t in b["t"]["buckets"]:
            when = datetime.fromtimestamp(t["key"] / 1000, tz=UTC)
            series[when] = series.get(when, 0) + t["doc_count"]
    return {label: dict(sorted(series.items())) for label, series in out.items()}
