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
from indexing.theme_rows import SEP, UNATTRIBUTED, selected_brands, theme_key

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


def named_brands(f: Filters) -> tuple[str, ...] | None:
    """The brands whose theme keys `f`'s theme figures read (with the unattributed ones), None for any brand's
    (`theme_rows.selected_brands`: every brand the filter names, as the SQLite store reads it)."""
    return selected_brands(f.brand, f.brands)


def _keys(brands: tuple[str, ...], label: str) -> list[str]:
    """The theme keys a post of the named brands holds `label` under when it counts for them."""
    return [theme_key(owner, label) for owner in (*brands, UNATTRIBUTED)]


def theme_filter(f: Filters) -> dict[str, Any]:
    """The clause for `f.theme`: that label among the named brands' own and unattributed keys, or any brand's."""
    brands = named_brands(f)
    if brands is None:
        return {"term": {"themes": f.theme}}
    return {"terms": {THEME_KEYS: _keys(brands, f.theme or "")}}


def count_sources(f: Filters) -> list[dict[str, Any]]:
    """The composite sources of `top_themes`: theme keys for named brands (read back by `theme_counts`)."""
    field = "themes" if named_brands(f) is None else THEME_KEYS
    return [{"th": {"terms": {"field": field}}}, {"s": {"terms": {"field": "sentiment.label", "missing_bucket": True}}}]


def shared_labels(f: Filters, buckets: Iterable[dict[str, Any]]) -> list[str]:
    """Labels `count_sources`' buckets hold under two or more of the named brands: there a post two of them
    labelled alike is in both keys' buckets, and must count once (`recount_aggs`). Never for one brand (a post
    holds a label under its brand or unattributed, never both)."""
    brands = named_brands(f)
    if brands is None or len(brands) < 2:
        return []
    owners: dict[str, set[str]] = {}
    for b in buckets:
        owner, _, label = b["key"]["th"].partition(SEP)
        if owner in brands:
            owners.setdefault(label, set()).add(owner)
    return sorted(label for label, held in owners.items() if len(held) > 1)


def recount_aggs(f: Filters, labels: list[str]) -> dict[str, Any]:
    """Each of `labels` counted once per post over the named brands' keys, by sentiment (`theme_counts`' `exact`)."""
    brands = named_brands(f) or ()
    return {"r": {"filters": {"filters": {label: {"terms": {THEME_KEYS: _keys(brands, label)}} for label in labels}},
                  "aggs": {"s": {"terms": {"field": "sentiment.label", "missing": "unknown", "size": 20}}}}}


def recounted(answer: dict[str, Any]) -> dict[str, ThemeCount]:
    """`recount_aggs`' answer -> label -> its count and sentiment split."""
    out = {}
    for label, b in answer.get("r", {}).get("buckets", {}).items():
        out[label] = ThemeCount(theme=label, count=b["doc_count"],
                                sentiment={s["key"]: s["doc_count"] for s in b["s"]["buckets"]})
    return out


def theme_counts(f: Filters, buckets: Iterable[dict[str, Any]], n: int,
                 exact: dict[str, ThemeCount] | None = None) -> list[ThemeCount]:
    """Composite buckets (theme or theme key x sentiment) -> the n most mentioned themes of `f`. For named brands
    only their own and unattributed keys count; `exact` replaces the labels several of them hold
    (`shared_labels`), summed per key a post would count twice."""
    brands = named_brands(f)
    themes: dict[str, ThemeCount] = {}
    for b in buckets:
        label = _label(b["key"]["th"], brands)
        if label is None:
            continue
        entry = themes.setdefault(label, ThemeCount(theme=label, count=0))
        entry.count += b["doc_count"]
        key = b["key"]["s"] or "unknown"
        entry.sentiment[key] = entry.sentiment.get(key, 0) + b["doc_count"]
    themes.update(exact or {})
    return sorted(themes.values(), key=lambda t: (-t.count, t.theme))[:n]


def _label(value: str, brands: tuple[str, ...] | None) -> str | None:
    """The label of a bucket's value when it counts for `brands` (None: it is another brand's)."""
    if brands is None:
        return value
    owner, _, label = value.partition(SEP)
    return label if owner in brands or owner == UNATTRIBUTED else None


def histogram_aggs(f: Filters, wanted: list[str], buckets: dict[str, Any]) -> dict[str, Any]:
    """The `theme_histogram` aggregation: the wanted labels (for one brand, its own and unattributed keys; for
    several, one filter per label over their keys, so a post two of them labelled alike counts once)."""
    brands = named_brands(f)
    if brands is None:
        include, field = wanted, "themes"
    elif len(brands) > 1:
        return {"f": {"filters": {"filters": {t: {"terms": {THEME_KEYS: _keys(brands, t)}} for t in wanted}},
                      "aggs": {"t": buckets}}}
    else:
        include = [key for t in wanted for key in _keys(brands, t)]
        field = THEME_KEYS
    return {"th": {"terms": {"field": field, "include": include, "size": len(include)}, "aggs": {"t": buckets}}}


def histogram_series(f: Filters, answer: dict[str, Any]) -> dict[str, dict[datetime, int]]:
    """`histogram_aggs`' answer -> label -> bucket start -> count (a brand's own and unattributed keys summed)."""
    brands = named_brands(f)
    found = [(_label(b["key"], brands), b) for b in answer.get("th", {}).get("buckets", [])]
    found += [(label, b) for label, b in answer.get("f", {}).get("buckets", {}).items() if b["doc_count"]]
    out: dict[str, dict[datetime, int]] = {}
    for label, b in found:
        if label is None:
            continue
        series = out.setdefault(label, {})
        for t in b["t"]["buckets"]:
            when = datetime.fromtimestamp(t["key"] / 1000, tz=UTC)
            series[when] = series.get(when, 0) + t["doc_count"]
    return {label: dict(sorted(series.items())) for label, series in out.items()}
