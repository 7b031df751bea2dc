"""The weekly and monthly report for managers: the period against the one before and a baseline.

Per brand: volume, negative share (of the mentions with a sentiment), share of voice (of the
mentions of the brands in its market, `brands[].market`: every brand without markets), median
response time when a `response` source is given, the daily volume, top themes, the period's
alerts, and the brand's `goals` met or missed.

The baseline is the `digest.baseline_weeks` (4-8) weeks before the period starts: volume as its
daily rate times the period's days, shares pooled over the whole window, so a week and a month
compare with the same weeks. Everything is returned as a plain dict (JSON, XCom, renderers).

The baseline and the previous period count only the days that have data for the brand: from the local day
of its first stored mention (`first_day`) on. A new install, or a brand added to the config later, has
no mentions before it started collecting, and dividing what it has by the whole window's days read as a
surge (+898% in the demo's second week). A window with fewer than `MIN_COMPARE_DAYS` such days gives no
figures and no change ("–"): a rate from two days is no baseline. Each brand's `coverage` says how many days
each window had (`coverage_text` in words).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alerts.history import stored_alerts
from alerts.theme_tree import top_themes
from core.alert import Alert, decided_at
from core.mention import label_sources
from groundswell.audit_results import audit_view
from groundswell.config import Config
from groundswell.goals import judge
from groundswell.markets import market_label, markets, peers
from groundswell.periods import Period, local_midnight
from indexing.base import Filters, Store

# (brand, since, until) -> median minutes to the brand's first reply, None without data. The
# response-time statistics plug in here; without them the report leaves the figure out.
ResponseMinutes = Callable[[str, datetime, datetime], float | None]
_RANK = {"info": 0, "warning": 1, "critical": 2}
SHARES = {"negative_share", "share_of_voice"}  # compared in percentage points, the others in percent
# A baseline or previous period with fewer days of data than this shows no change against it: a whole week holds
# every weekday once, so the weekly rhythm (quiet weekends, busy Mondays) cancels out of its daily rate; three
# days of a launch week, or a weekend, would read as a trend. The same week the spike detector takes to stop
# learning a brand (alerts.baseline.LEARNING_DAYS).
MIN_COMPARE_DAYS = 7


UNLABELLED = "unknown"  # the stores' sentiment facet bucket for a mention without a label
# A share (negative share, share of voice, net sentiment) is stated only when it rests on this many mentions: one
# post makes 100% or 0% (Apple, Aug 2015: "negative share 100.0%, goal missed" and "share of voice 50.0%, goal met"
# from one stray mention of two in the market). Under it the share is None ("–", with its count), its change in
# points None and a goal on it "no data". The one floor of the reports, the digest and the dashboard
# (dashboards/web/views.NET_SENTIMENT_MIN_POSTS is this).
MIN_SHARE_POSTS = 5


def enough_for_share(n: int | None) -> bool:
    """Whether a share over `n` mentions (its denominator) may be stated: at least MIN_SHARE_POSTS."""
    return n is not None and n >= MIN_SHARE_POSTS


def floored(share: float | None, n: int | None) -> float | None:
    """`share` when it rests on enough mentions (`enough_for_share(n)`), else None."""
    return share if enough_for_share(n) else None


def labelled_count(sentiment: dict[str, int]) -> int:
    """How many mentions of a sentiment facet carry a label (unenriched ones are not non-negative)."""
    return sum(n for label, n in sentiment.items() if label != UNLABELLED)


def negative_share(sentiment: dict[str, int], digits: int = 4) -> float | None:
    """Negative mentions over the labelled ones of a sentiment facet; None when fewer than MIN_SHARE_POSTS are
    labelled (none, or too few to state a share). The one rule of the reports, the digest and their renderers."""
    labelled = labelled_count(sentiment)
    return round(sentiment.get("negative", 0) / labelled, digits) if enough_for_share(labelled) else None


def _window(store: Store, brand: str, since: datetime, until: datetime) -> dict[str, Any]:
    """Mention count, negative count, labelled count and negative share of one brand in [since, until)."""
    filters = Filters(brand=brand, since=since, until=until)
    sentiment = store.facet(filters, "sentiment")
    return {"mentions": store.count(filters), "negative": sentiment.get("negative", 0),
            "labelled": labelled_count(sentiment), "negative_share": negative_share(sentiment)}


def report_figures(counts: dict[str, dict[str, Any]], brand: str, scale: float = 1.0,
                   market: Collection[str] | None = None) -> dict[str, float | None]:
    """Volume (times `scale`), negative share and share of voice of `brand` from per-brand counts; share of voice
    of the mentions of the brands in `market` (`markets.peers`, `brand` among them), of every brand in `counts`
    without one; None when the market has fewer than MIN_SHARE_POSTS mentions (`enough_for_share`)."""
    own = counts[brand]
    everyone = market_mentions(counts, market)
    return {
        "mentions": round(own["mentions"] * scale, 1),
        "negative_share": own["negative_share"],
        "share_of_voice": round(own["mentions"] / everyone, 4) if enough_for_share(everyone) else None,
    }


def market_mentions(counts: dict[str, dict[str, Any]], market: Collection[str] | None = None) -> int:
    """The mentions share of voice divides by: of the brands in `market`, of every brand in `counts` without one."""
    return sum(c["mentions"] for name, c in counts.items() if market is None or name in market)


def first_day(store: Store, brand: str, tz: str) -> date | None:
    """The local day (in `tz`) of the brand's first stored mention, spam included (collection ran then); None
    without any. Per brand, not the store's first: a brand added to the config later has collected since then
    only, and the store's older mentions are other brands'. Retention moves it on as it deletes old mentions."""
    page = store.search(Filters(brand=brand, include_spam=True), size=1, sort="oldest")
    if not page.hits:
        return None
    created = page.hits[0].mention.created_at
    try:
        return created.astimezone(ZoneInfo(tz)).date()
    except OverflowError:  # a post stored before imports refused year-1 dates: its local day is past date's range
        return created.date()


def too_few_text(n: int) -> str:
    """Why a share or a goal on it reads "no data": 'too few mentions to judge (4)' (under MIN_SHARE_POSTS)."""
    return f"too few mentions to judge ({n})"


def covered(start: date, end: date, first: date | None,
            with_data: Collection[date] | None = None) -> dict[str, Any]:
    """The local days [since, end) of the window [start, end) that have data: from `first` on, and of those only
    the days in `with_data` when given (`data_days`: a collection gap, not a quiet brand). `days` of `of`;
    `comparable` when there are at least MIN_COMPARE_DAYS of them (or the whole window, were it shorter); with
    `with_data`, `stops`: the last day with data, only when the window's later days have none."""
    since = end if first is None else min(max(start, first), end)
    of = (end - start).days
    found: dict[str, Any] = {"since": since.isoformat(), "of": of}
    if with_data is None:
        days = (end - since).days
    else:
        mine = [d for d in with_data if since <= d < end]
        days = len(mine)
        last = max(mine, default=None)
        if last is not None and last < end - timedelta(days=1):
            found["stops"] = last.isoformat()
    return {**found, "days": days, "comparable": days >= min(MIN_COMPARE_DAYS, of) and days > 0}


def data_days(store: Store, brands: Collection[str], start: date, end: date, tz: str) -> set[date]:
    """The local days in `tz` of [start, end) on which any of `brands` (a brand's market, `markets.peers`) has a
    stored mention, spam included: the days collection ran. A day none of them has is a gap (a collector outage,
    a stream that ended), not a quiet day: a week with data on 3 of its 7 days read as -67.6% (Apple, 2014-W50)."""
    if not brands or end <= start:
        return set()
    filters = Filters(brands=tuple(brands), since=local_midnight(start, tz), until=local_midnight(end, tz),
                      include_spam=True)
    return {b.start.astimezone(ZoneInfo(tz)).date() for b in store.histogram(filters, "day", tz=tz)}


Counts = dict[str, dict[str, Any]]  # per brand: `_window`'s mentions, negative, negative_share


def _window_figures(own: Counts, everyone: Counts, brand: str, coverage: dict[str, Any], sov_coverage: dict[str, Any],
                    period_days: int, market: Collection[str]) -> dict[str, float | None]:
    """`report_figures` of a window from the days that have data: volume at the daily rate of the brand's days
    with data (`own`'s counts, `coverage`) times the period's days, its negative share over them; share of voice
    among the brands of its `market` over the days every one of them has data (`everyone`'s counts,
    `sov_coverage`). None for a figure whose days are too few to compare with (`covered`): none at all would read
    as a collapse, two days as a trend."""
    out: dict[str, float | None] = {"mentions": None, "negative_share": None, "share_of_voice": None}
    if coverage["comparable"]:
        figures = report_figures(own, brand, scale=period_days / coverage["days"])
        out["mentions"], out["negative_share"] = figures["mentions"], figures["negative_share"]
    if sov_coverage["comparable"]:
        out["share_of_voice"] = report_figures(everyone, brand, market=market)["share_of_voice"]
    return out


def whole(window: dict[str, Any]) -> bool:
    """Whether every day of a window (`covered`) has data: a volume over fewer days is not compared ("–")."""
    return window["days"] >= window["of"]


def gap_text(missing: Collection[date]) -> str | None:
    """The days of a digest with no stored mention of any brand of the market (`data_days`), in words: 'no
    mentions stored on 2014-12-11 (a collection gap?), not compared'; None when every day has data."""
    if not missing:
        return None
    days = ", ".join(d.isoformat() for d in sorted(missing))
    return f"no mentions of its market stored on {days} (a collection gap?), not compared"


def coverage_reason(window: dict[str, Any], brand: str, first: str | None) -> str:
    """A window's coverage (`covered`) in words, the reports' and the dashboard's: 'data on 1 of its 7 days
    (Lumora's mentions start 2026-11-01), too few to compare with (under 7)'."""
    text = f"data on {window['days']} of its {window['of']} days"
    text += f" ({brand}'s mentions start {first})" if first else f" (no mentions of {brand})"
    if window.get("stops"):  # a gap at the end (a collector outage): not a collapse
        text += f", no mentions stored after {window['stops']}"
    if not window["comparable"]:
        text += f", too few to compare with (under {MIN_COMPARE_DAYS})"
    return text


def coverage_text(brand: dict[str, Any], unit: str) -> list[str]:
    """What a brand's report compares with when the previous period or the baseline lacks days of data, one
    line each: 'Baseline: data on 8 of its 56 days (Lumora's mentions start 2026-11-01)', and, under
    MIN_COMPARE_DAYS, that they are too few to compare with (the figures read –); share of voice when it counts
    fewer days (a brand added to the config later). Nothing when every window is whole."""
    c = brand["coverage"]
    out = []
    for key, name in (("current", f"This {unit}"), ("previous", f"Previous {unit}"), ("baseline", "Baseline")):
        mine, sov = c.get(key), c["share_of_voice"].get(key)
        if mine is not None and mine["days"] < mine["of"]:
            out.append(f"{name}: {coverage_reason(mine, brand['brand'], c['first_day'])}")
        if sov is not None and sov["days"] < (sov["of"] if mine is None else mine["days"]):
            every = "every brand of its market" if brand.get("market") else "every brand"
            since = f", from {sov['since']}" if sov["days"] else ""  # 0 days start at the window's end: no date
            text = f"{name}'s share of voice: {sov['days']} days{since}, when {every} has data"
            if not sov["comparable"]:
                text += f", too few to compare with (under {MIN_COMPARE_DAYS})"
            out.append(text)
    return out


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
    # an alert belongs to the period it was decided in: an all-clear to the one its crisis ended in
    mine = [a for a in alerts if a.brand == brand and since < decided_at(a) <= until]
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
    base_weeks = config.digest.baseline_weeks
    base_from = period.start - timedelta(weeks=base_weeks)
    names = [b.name for b in config.brands]
    now = {n: _window(store, n, start, end) for n in names}
    firsts = {n: first_day(store, n, tz) for n in names}
    # Share of voice counts the days every brand of the market has data (a brand without any mention is no sign of
    # missing data); a market's own start: an Italian brand added later does not shorten the Korean baseline.
    split = len(markets(config.brands)) > 1
    market_first = {n: max((firsts[p] for p in peers(config.brands, n) if firsts[p]), default=None) for n in names}
    windows: dict[tuple[date, date], Counts] = {}

    def counts(since: str, until: date) -> Counts:
        """Every brand's counts over the local days [since, until), once per window."""
        key = (date.fromisoformat(since), until)
        if key not in windows:
            bounds = local_midnight(key[0], tz), local_midnight(until, tz)
            windows[key] = {n: _window(store, n, *bounds) for n in names}
        return windows[key]

    # The days each market has any data in the period and the windows it is compared with: a day no brand of the
    # market has is a collection gap, counted as no data (months without collection read "previous 0").
    gathered: dict[tuple[str, ...], set[date]] = {}

    def market_days(market: list[str]) -> set[date]:
        key = tuple(market)
        if key not in gathered:
            gathered[key] = data_days(store, market, min(base_from, previous_period.start), period.end, tz)
        return gathered[key]

    alerts = stored_alerts(store)
    brands = []
    for brand in config.brands:
        first = firsts[brand.name]
        market = peers(config.brands, brand.name)
        with_data = market_days(market)
        sov_first = market_first[brand.name]
        coverage: dict[str, Any] = {
            "first_day": first.isoformat() if first else None,
            # this period's own days with data: a gap in it is said ("This week: data on 3 of its 7 days")
            "current": covered(period.start, period.end, first or period.start, with_data),
            "previous": covered(previous_period.start, previous_period.end, first, with_data),
            "baseline": covered(base_from, period.start, first, with_data),
            "share_of_voice": {
                "previous": covered(previous_period.start, previous_period.end, sov_first, with_data),
                "baseline": covered(base_from, period.start, sov_first, with_data),
            },
        }
        windows_of = {
            key: (counts(coverage[key]["since"], until), counts(coverage["share_of_voice"][key]["since"], until))
            for key, until in (("previous", previous_period.end), ("baseline", period.start))
        }
        current = report_figures(now, brand.name, market=market)
        # This period's share of voice by the same market-coverage rule as the previous one and the baseline: from
        # the day every brand of the market has data (100% "before the competitors were collected" read as a win).
        # Not gap-aware: a share over this period's days with data stands, its gap said by the "This week" line.
        sov_now = covered(period.start, period.end, sov_first)
        coverage["share_of_voice"]["current"] = sov_now
        sov_counts = counts(sov_now["since"], period.end)
        current["share_of_voice"] = (report_figures(sov_counts, brand.name, market=market)["share_of_voice"]
                                     if sov_now["comparable"] else None)
        # what each share of this period rests on, shown beside a share too small to state ("– (n = 1)")
        shares_of = {"negative_share": now[brand.name]["labelled"],
                     "share_of_voice": market_mentions(sov_counts, market) if sov_now["comparable"] else None}
        why_not = {key: too_few_text(n) for key, n in shares_of.items() if n is not None and not enough_for_share(n)}
        if not sov_now["comparable"]:
            why_not["share_of_voice"] = (f"every brand of its market has data on {sov_now['days']} of its"
                                         f" {sov_now['of']} days")
        # At this period's length, as the baseline: February's 280 mentions are 310 in a 31-day March; over
        # the days that have data only (a brand collected since Wednesday had no Monday).
        previous = _window_figures(*windows_of["previous"], brand.name, coverage["previous"],
                                   coverage["share_of_voice"]["previous"], period.days, market)
        baseline = _window_figures(*windows_of["baseline"], brand.name, coverage["baseline"],
                                   coverage["share_of_voice"]["baseline"], period.days, market)
        if response is not None:
            current["median_response_minutes"] = response(brand.name, start, end)
            for key, figures in (("previous", previous), ("baseline", baseline)):  # both end where the period starts
                since = local_midnight(date.fromisoformat(coverage[key]["since"]), tz)
                comparable = coverage[key]["comparable"]
                figures["median_response_minutes"] = response(brand.name, since, start) if comparable else None
        changes = {
            key: {
                "vs_previous": figure_change(current[key], previous[key], relative=key not in SHARES),
                "vs_baseline": figure_change(current[key], baseline[key], relative=key not in SHARES),
            }
            for key in current
        }
        if not whole(coverage["current"]):  # a count over fewer days than the others: a gap, not a collapse
            changes["mentions"] = {"vs_previous": None, "vs_baseline": None}
        days = [period.start + timedelta(days=i) for i in range(period.days)]
        daily = [_window(store, brand.name, *_day(d, tz)) for d in days]
        themes = top_themes(store, Filters(brand=brand.name, since=start, until=end), n=5)  # aspects nested
        brands.append(
            {
                "brand": brand.name,
                "competitor": brand.competitor,
                # the brands its share of voice divides by; None with a single market (every brand, as before)
                "market": {"name": market_label(config.brands, brand.name), "brands": market} if split else None,
                "current": current,
                "previous": previous,
                "baseline": baseline,
                "change": changes,
                # the days of the previous period and the baseline that have data for the brand (`covered`)
                "coverage": coverage,
                "daily": [
                    {"day": d.isoformat(), "mentions": n["mentions"], "negative": n["negative"]}
                    for d, n in zip(days, daily, strict=True)
                ],
                "top_themes": [t.json() for t in themes],
                "alerts": _period_alerts(alerts, brand.name, start, end),
                # per share of this period: its denominator (None when its days are too few), and why a share is None
                "shares_of": shares_of,
                "goals": judge(getattr(brand, "goals", None), current, why_not),
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
