"""Theme lists as people read them: top-level themes counted and ranked, their aspects nested under them.

In `alerts/` because alert explanations read it as well as the report, digest and dashboard above,
and it reads only the store protocol and the stored theme state (nlp/theme_state.py).

The themes step writes both a broad theme's label and its aspect's label onto a post (issue 18), so a
flat count of labels shows "flight" beside "flight delays" and counts the post twice. Every list of
top or rising themes (report, digest, period reports, dashboard, run summary, alert explanations)
goes through this module instead:

- which labels are aspects: the brand's stored theme state (`nlp.theme_state.aspect_parents`, each
  centroid's `parent`); every label not known as an aspect is top-level (labels of an older
  clustering included, so nothing disappears);
- `nest`: the one rule that turns flat (label, count) rows into top-level rows with their aspects;
- `top_level_counts`: the counts the rising rule (`nlp.trends`, still its only definition) reads,
  top-level themes only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from indexing.base import Filters, Store, ThemeCount
from nlp.theme_state import aspect_parents
from nlp.trends import CANDIDATES, MIN_COUNT, Rise, Trends, trends


@dataclass
class ThemeRow(ThemeCount):
    """A top-level theme with its count, sentiment mix and its aspects (most mentioned first)."""

    aspects: list[ThemeCount] = field(default_factory=list)

    def aspects_json(self) -> list[dict]:
        """The aspects as the report, digest and API carry them: label and count."""
        return [{"theme": a.theme, "count": a.count} for a in self.aspects]

    def json(self) -> dict:
        """{theme, count, aspects}: a top/rising themes list entry of the digest and period reports."""
        return {"theme": self.theme, "count": self.count, "aspects": self.aspects_json()}


def aspects_text(aspects: Iterable[Mapping], limit: int = 4) -> str:
    """A row's aspects in one line for text and charts: "delays 40 · baggage 12 · +2 more"."""
    aspects = list(aspects)
    shown = " · ".join(f"{a['theme']} {a['count']}" for a in aspects[:limit])
    return shown + (f" · +{len(aspects) - limit} more" if len(aspects) > limit else "")


def themes_text(rows: Iterable[Mapping], esc: Callable[[str], str] = str) -> str:
    """A list of `ThemeRow.json` entries in one line, aspects in brackets, every label through `esc`
    (Markdown or HTML escaping): "flight (120: delays 40 · baggage 12), price (30)"."""
    return ", ".join(
        f"{esc(r['theme'])} ({r['count']}" + (f": {esc(aspects_text(r['aspects']))})" if r.get("aspects") else ")")
        for r in rows
    )


def nest(counted: Iterable[ThemeCount], parents: Mapping[str, str]) -> list[ThemeRow]:
    """Flat theme counts (most mentioned first) -> top-level rows in the same order, each with the
    aspects among `counted` whose parent it is. An aspect never ranks as a theme of its own."""
    counted = list(counted)
    rows = {t.theme: ThemeRow(t.theme, t.count, dict(t.sentiment)) for t in counted if t.theme not in parents}
    for t in counted:
        parent = rows.get(parents.get(t.theme, ""))
        if parent is not None:
            parent.aspects.append(t)
    return list(rows.values())


def _flat(store: Store, filters: Filters, n: int, parents: Mapping[str, str]) -> list[ThemeCount]:
    # Aspects take places in a flat top-n: ask for that many more so n top-level themes remain.
    return store.top_themes(filters, n=n + len(parents))


def top_themes(store: Store, filters: Filters, n: int = 10, parents: Mapping[str, str] | None = None) -> list[ThemeRow]:
    """The `n` most mentioned top-level themes of `filters`, each with its aspects. `parents`: from
    `aspect_parents` (read for `filters.brand` when not given)."""
    parents = aspect_parents(store, filters.brand) if parents is None else parents
    return nest(_flat(store, filters, n, parents), parents)[:n]


def top_level_counts(
    store: Store, filters: Filters, parents: Mapping[str, str] | None = None
) -> Callable[[datetime, datetime, int], dict[str, int]]:
    """(since, until, n) -> the n most mentioned top-level themes of `filters` in [since, until) with
    their counts: what `nlp.trends.trends` reads, so aspects never rise beside their parent."""
    parents = aspect_parents(store, filters.brand) if parents is None else parents

    def counts(since: datetime, until: datetime, n: int) -> dict[str, int]:
        window = filters.replace(since=since, until=until)
        return {r.theme: r.count for r in nest(_flat(store, window, n, parents), parents)[:n]}

    return counts


@dataclass(frozen=True)
class WindowThemes:
    """A window's top-level themes against its baseline (`nlp.trends`), with each theme's row."""

    trends: Trends
    rows: dict[str, ThemeRow]  # every counted top-level theme of the window, by label

    def rising(self, min_count: int = MIN_COUNT) -> list[tuple[Rise, ThemeRow]]:
        """The window's rising top-level themes (the rule: `nlp.trends.rising`), best first, with their rows."""
        return [(r, self.rows[r.theme]) for r in self.trends.rising(min_count)]


def window_themes(
    store: Store,
    filters: Filters,
    since: datetime,
    until: datetime,
    n: int = CANDIDATES,
    baseline_until: datetime | None = None,
    tz: str | None = None,
) -> WindowThemes:
    """The `n` (at least `CANDIDATES`) most mentioned top-level themes of `filters` in [since, until)
    against the span before (`nlp.trends.trends`; ending at `baseline_until` when given; whole local days of `tz`
    for a window of whole local days), each with its aspects."""
    parents = aspect_parents(store, filters.brand)
    rows = top_themes(store, filters.replace(since=since, until=until), max(n, CANDIDATES), parents)
    now = {r.theme: r.count for r in rows}
    counts = top_level_counts(store, filters, parents)
    window = trends(counts, since, until, n, now=now, baseline_until=baseline_until, tz=tz)
    return WindowThemes(window, {r.theme: r for r in rows})


def summary_rows(themes: Iterable[Mapping], n: int) -> list[dict]:
    """The run summary's themes: a themes pass's rows ({label, count, parent?}, most mentioned first)
    -> the `n` top-level ones as {label, count, aspects: [{label, count}]}."""
    themes = list(themes)
    parents = {t["label"]: t["parent"] for t in themes if t.get("parent")}
    rows = nest((ThemeCount(t["label"], t["count"]) for t in themes), parents)[:n]
    return [{"label": r.theme, "count": r.count, "aspects": [{"label": a.theme, "count": a.count} for a in r.aspects]}
            for r in rows]
