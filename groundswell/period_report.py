"""The weekly and monthly report for managers: the period against the one before and a baseline.

Per brand: volume, negative share (of the mentions with a sentiment), share of voice (of all
configured brands' mentions), median response time when a `response` source is given, the
daily volume, top themes, the period's alerts, and the brand's `goals` met or missed.

The baseline is the `digest.baseline_weeks` (4-8) weeks before the period starts: volume as its
daily rate times the period's days, shares pooled over the whole window, so a week and a month
compare with the same weeks. Everything is returned as a plain dict (JSON, XCom, renderers).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from alerts.history import stored_alerts
from alerts.theme_tree import top_themes
from core.alert import Alert
from core.mention import label_sources
from groundswell.audit_results import audit_view
from groundswell.config import Config
from groundswell.goals import judge
from groundswell.periods import Period, local_midnight
from indexing.base import Filters, Store

# (brand, since, until) -> median minutes to the brand's first reply, None without data. The
# response-time statistics plug in here; without them the report leaves the figure out.
ResponseMinutes = Callable[[str, datetime, datetime], float | None]
_RANK = {"info": 0, "warning": 1, "critical": 2}
SHARES = {"negative_share", "share_of_voice"}  # compared in percentage points, the others in percent


UNLABELLED = "unknown"  # the stores' sentiment facet bucket for a mention without a label


def labelled_count(sentiment: dict[str, int]) -> int:
    """How many mentions of a sentiment facet carry a label (unenriched ones are not non-negative)."""
    return sum(n for label, n in sentiment.items() if label != UNLABELLED)


def negative_share(sentiment: dict[str, int], digits: int = 4) -> float | None:
    """Negative mentions over the labelled ones of a sentiment facet; None when none is labelled. The one rule
    of the reports, the digest and their renderers."""
    labelled = labelled_count(sentiment)
    return round(sentiment.get("negative", 0) / labelled, digits) if labelled else None


def _window(store: Store, brand: str, since: datetime, until: datetime) -> dict[str, Any]:
    """Mention count, negative count and negative share of one brand in [since, until)."""
    filters = Filters(brand=brand, since=since, until=until)
    sentiment = store.facet(filters, "sentiment")
    return {"mentions": store.count(filters), "negative": sentiment.get("negative", 0),
            "negative_share": negative_share(sentiment)}


def report_figures(counts: dict[str, dict[str, Any]], brand: str, scale: float = 1.0) -> dict[str, float | None]:
    """Volume (times `scale`), negative share and share of voice of `brand` from per-brand counts."""
    own = counts[brand]
    everyone = sum(c["mentions"] for c in counts.values())
    return {
        "mentions": round(own["mentions"] * scale, 1),
        "negative_share": own["negative_share"],
        "share_of_voice": round(own["mentions"] / everyone, 4) if everyone else None,
    }


def figure_change(now: float | None, before: float | None, relative: bool) -> float | None:
    """Percent change (`relative`) or difference in percentage points; None when not comparable."""
    if now is None or before is None:
        return None
    if relative:
        return None if before == 0 else round((now - before) / before * 100, 1)
    return round((now - before) * 100, 1)


def _day(day: date, tz: str) -> tuple[datetime, datetime]:
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def _period_alerts(alerts: list[Alert], brand: str, since: datetime, until: datetime) -> dict[str, Any]:
    mine = [a for a in alerts if a.brand == brand and since <= a.window_start < until]
    top = sorted(mine, key=lambda a: (-_RANK[a.severity], -a.score, a.window_start))[:3]
    return {
        "count": len(mine),
        "by_kind": dict(Counter(a.kind for a in mine).most_common()),
        "top": [
            {
                "id": a.id,
                "kind": a.kind,
                "severity": a.severity,
                "when": a.window_start.isoformat(),
                "summary": a.summary,
            }
            for a in top
        ],
    }


def build_period_report(
    config: Config, store: Store, period: Period, response: ResponseMinutes | None = None
) -> dict[str, Any]:
    """Everything the weekly/monthly report says about `period`, per configured brand."""
    tz = config.digest.timezone
    start, end = period.bounds(tz)
    previous_period = period.previous()
    prev_start, prev_end = previous_period.bounds(tz)
    base_weeks = config.digest.baseline_weeks
    base_start = local_midnight(period.start - timedelta(weeks=base_weeks), tz)
    names = [b.name for b in config.brands]
    now = {n: _window(store, n, start, end) for n in names}
    before = {n: _window(store, n, prev_start, prev_end) for n in names}
    base = {n: _window(store, n, base_start, start) for n in names}
    alerts = stored_alerts(store)
    brands = []
    for brand in config.brands:
        current = report_figures(now, brand.name)
        # At this period's length, as the baseline: February's 280 mentions are 310 in a 31-day March.
        previous = report_figures(before, brand.name, scale=period.days / previous_period.days)
        baseline = report_figures(base, brand.name, scale=period.days / (base_weeks * 7))
        if response is not None:
            current["median_response_minutes"] = response(brand.name, start, end)
            previous["median_response_minutes"] = response(brand.name, prev_start, prev_end)
            baseline["median_response_minutes"] = response(brand.name, base_start, start)
        changes = {
            key: {
                "vs_previous": figure_change(current[key], previous[key], relative=key not in SHARES),
                "vs_baseline": figure_change(current[key], baseline[key], relative=key not in SHARES),
            }
            for key in current
        }
        days = [period.start + timedelta(days=i) for i in range(period.days)]
        daily = [_window(store, brand.name, *_day(d, tz)) for d in days]
        themes = top_themes(store, Filters(brand=brand.name, since=start, until=end), n=5)  # aspects nested
        brands.append(
            {
                "brand": brand.name,
                "competitor": brand.competitor,
                "current": current,
                "previous": previous,
                "baseline": baseline,
                "change": changes,
                "daily": [
                    {"day": d.isoformat(), "mentions": n["mentions"], "negative": n["negative"]}
                    for d, n in zip(days, daily, strict=True)
                ],
                "top_themes": [t.json() for t in themes],
                "alerts": _period_alerts(alerts, brand.name, start, end),
                "goals": judge(getattr(brand, "goals", None), current),
                # who gave this period's labels: the model, people's corrections, the config's sentiment rules
                "labelled_by": label_sources(store.facet(Filters(brand=brand.name, since=start, until=end),
                                                         "model")),
            }
        )
    return {
        "period": period.id,
        "kind": period.kind,
        "label": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        # The UTC bounds every figure above counts with (local midnights of `timezone`): links over the
        # period use these, so they show the mentions the report counted, not the UTC days' ones.
        "since": _utc_iso(start),
        "until": _utc_iso(end),
        "timezone": tz,
        "baseline_weeks": base_weeks,
        "response_times": response is not None,
        "dashboard_url": config.dashboard_url,
        # how accurate the sentiment in these figures is on these mentions, by the latest kept audit (or None)
        "sentiment_audit": audit_view(store),
        "brands": brands,
    }


def _utc_iso(value: datetime) -> str:
    """A UTC instant as the dashboard's query parameters write it: 2026-03-01T23:00:00Z."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def for_brands(report: dict[str, Any], brands: list[str] | None) -> dict[str, Any]:
    """The report narrowed to `brands` (a channel's `route.brands`, case-insensitive); None = all."""
    if brands is None:
        return report
    wanted = {b.casefold() for b in brands}
    return {**report, "brands": [b for b in report["brands"] if b["brand"].casefold() in wanted]}
