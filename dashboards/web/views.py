"""What each page shows, computed from a `Store` (plain functions; the app only routes)."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alerts.history import select_alerts
from alerts.incidents import Incident, count_alerts, group_incidents, pinned
from alerts.theme_tree import window_themes
from alerts.wording import clock_zone  # the zone names of alerts' wording: one rule
from core.alert import Alert
from core.lang_tags import filter_lang
from core.local_days import days_earlier, whole_days
from dashboards.web.coverage import brand_firsts, market_first, moment, window_coverage
from dashboards.web.errors import ApiError
from dashboards.web.highlight import segments_for
from dashboards.web.params import EARLIEST, LATEST, THEME_FACETS, Period
from dashboards.web.serialize import alert_json, author_json, bucket_json, mention_json, theme_json
from dashboards.web.theme_names import shown_label
from groundswell.alert_verdicts import card_verdict
from groundswell.intents_backfill import untagged_count
from groundswell.markets import market_label, peers
from groundswell.period_report import (  # the weekly report's rules
    MIN_SHARE_POSTS,
    SHARES,
    data_days,
    figure_change,
    floored,
    labelled_count,
    negative_share,
    report_figures,
)
from groundswell.periods import (  # the digest's local day; the volume charts' bars
    HOURLY_UP_TO,
    local_midnight,
    volume_interval,
    weekly,
)
from groundswell.window_coverage import Span, judged_themes  # rising themes: the reports' coverage rule
from indexing.base import Bucket, Filters, Store
from nlp.theme_state import theme_details
from nlp.trends import CANDIDATES, Rise

DEFAULT_PERIOD = timedelta(days=7)
# A theme card's sparkline: at most this many counts, whatever the period (a custom since/until may span
# centuries; 300 years by day made a 25 MB answer). The interval coarsens instead (trend_buckets).
MAX_TREND_BUCKETS = 400
TREND_INTERVALS = ("hour", "day", "week", "month", "year")
# The overview's volume and net sentiment count by hour, day or week: `groundswell.periods.volume_interval` (its
# HOURLY_UP_TO, DAILY_UP_TO), the static report's rule too.
OVERVIEW_INTERVALS = ("hour", "day", "week")
# A bucket's net sentiment is drawn as a trend point only when it rests on this many mentions with a sentiment:
# one post makes -1.00 or +1.00 (Apple, Dec 10 2014: -1.00 from a single post among days of -0.31..-0.11). The
# page draws the buckets under it apart (hollow, out of the line) and names the floor; the answer carries it.
# The reports' floor for every share (period_report.MIN_SHARE_POSTS): tiles and "Brands compared" state no share,
# and no change in points, on fewer mentions either.
NET_SENTIMENT_MIN_POSTS = MIN_SHARE_POSTS


@dataclass(frozen=True)
class BrandInfo:
    name: str
    competitor: bool = False
    market: str | None = None  # `brands[].market`: share of voice counts the brands of the same market only


class NewestMention:
    """When the newest mention matching some filters was posted, cached for a few seconds.

    Probed in widening windows back from now (1 day, 7, 31, then all time): a live
    deployment answers from the first, cheap probe; a corpus from the past (the demo)
    still finds its end. Whether a store counts totals exactly (SQLite does) the cost
    then stays bounded by the window instead of the brand's whole history.

    Called from several store threads at once (`dashboards/web/runner.py`): the cache is read and written under a
    lock, the store is probed outside it (two requests missing the same key both probe; the later write wins).
    """

    PROBE_WINDOWS = (timedelta(days=1), timedelta(days=7), timedelta(days=31), None)

    def __init__(self, store: Store, ttl_s: float = 30.0) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self._cache: dict[Filters, tuple[float, datetime | None]] = {}
        self._lock = threading.Lock()

    def __call__(self, filters: Filters) -> datetime | None:
        base = filters.replace(since=None, until=None)
        with self._lock:
            cached = self._cache.get(base)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        now = datetime.now(UTC)
        found = None
        for window in self.PROBE_WINDOWS:
            probe = base if window is None else base.replace(since=now - window)
            hits = self.store.search(probe, size=1, sort="newest").hits
            if hits:
                found = hits[0].mention.created_at
                break
        if self.ttl_s > 0:
            with self._lock:
                if len(self._cache) > 256:
                    self._cache.clear()
                self._cache[base] = (time.monotonic() + self.ttl_s, found)
        return found


def period_anchor(filters: Filters) -> Filters:
    """What a default period ends on: the newest (counted) post of the view's brand, or brands, whatever its
    facets. Every other filter (source, lang, sentiment, q, theme, intent, uncertain, min_followers, spam) is a
    facet: it narrows a view within the brand's timeline, and a narrowed view (a language of the overview, a
    theme card's Explore link) must count the same window as the view it narrows, or its figures would not add up
    and "vs previous period" would compare other spans. The brand is no facet: its posts are the timeline."""
    return Filters(brand=filters.brand, brands=filters.brands)


def _period_end(last: datetime, by_day: bool, tz: str) -> datetime:
    """The end of the bucket holding `last`: its local day in `tz` (`by_day`), else its UTC hour.

    `last` is first clamped to the dates a filter may name (`params.EARLIEST`, `LATEST`): a post dated 9999-12-31
    or 0001-01-01 (a broken date a store kept from before imports checked dates) would overflow `datetime` here
    and in the period's start, and every page would answer 500."""
    last = min(max(last, EARLIEST), LATEST - timedelta(days=1))
    if by_day:
        return local_midnight(last.astimezone(ZoneInfo(tz)).date() + timedelta(days=1), tz)
    return last.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def default_period(
    store: Store,
    filters: Filters,
    since: datetime | None,
    until: datetime | None,
    days: int | None = None,
    newest: NewestMention | None = None,
    tz: str = "UTC",
) -> Period:
    """The period of a view: `since`/`until` as given; a missing end ends the bucket of the brand's newest post
    (`period_anchor`: the facets of `filters` never move it; demo data may lie in the past; now without one), a
    missing start is that end less `days` (default 7).

    The end snaps to the bucket the view counts by (`auto_interval`): a period longer than HOURLY_UP_TO ends at
    the local midnight (in `tz`, the dashboard's zone) after the newest post and starts at a local midnight, so
    every day bar is a whole day; a shorter one ends at the UTC hour after it, as its hour bars.
    """
    anchor = period_anchor(filters)
    if until is None:
        if since is not None:
            hits = store.search(anchor.replace(since=since, until=None), size=1, sort="newest").hits
            last = hits[0].mention.created_at if hits else None
        else:
            last = (newest or NewestMention(store, ttl_s=0))(anchor)
        base = last or datetime.now(UTC)
        span = timedelta(days=days) if days else DEFAULT_PERIOD
        by_day = (span if since is None else _period_end(base, False, tz) - since) > HOURLY_UP_TO
        until = _period_end(base, by_day, tz)
        if since is None and by_day:
            # N whole local days (a clock-change day has 23 or 25 hours): each day bar one whole day.
            since = local_midnight(until.astimezone(ZoneInfo(tz)).date() - span, tz)
    if since is None:
        since = until - (timedelta(days=days) if days else DEFAULT_PERIOD)
    if since >= until:
        # A since-only period in the future: the end found for it (the newest mention of the brand, else now)
        # comes before it. An empty page with since after until would look like "no mentions".
        raise ApiError(
            f"since ({since.isoformat()}) is not before the end of the period ({until.isoformat()}, the end of the "
            "hour or day of the brand's newest mention, or of now): choose an earlier since, or give until too",
            param="since",
        )
    return Period(since, until)


def auto_interval(period: Period) -> str:
    return "hour" if period.length <= HOURLY_UP_TO else "day"


def overview_interval(period: Period) -> str:
    """The overview's buckets: hours up to HOURLY_UP_TO, days up to DAILY_UP_TO, weeks beyond (the rule:
    `groundswell.periods.volume_interval`, the static report's too)."""
    return volume_interval(period.length)


def engagement_totals(store: Store, filters: Filters) -> dict[str, int]:
    """Engagement and reach sums. Uses the store's own aggregation when it has one (not in the protocol)."""
    native = getattr(store, "totals", None)
    if callable(native):
        result = native(filters)
        return {"engagement": int(result["engagement"]), "reach": int(result["reach"])}
    engagement = reach = 0
    for mention in store.iter_mentions(filters):
        engagement += mention.engagement.total
        reach += mention.reach
    return {"engagement": engagement, "reach": reach}


SENTIMENT_COUNTS = ("negative", "neutral", "positive", "unknown")
# The figures the overview compares with the previous period. Shares are compared in percentage points, as
# the weekly report compares them (period_report.SHARES); net sentiment, a difference of two shares, too;
# counts (mentions, engagement, reach) in percent.
COMPARED = ("mentions", "negative_share", "net_sentiment", "share_of_voice", "engagement", "reach")
IN_POINTS = SHARES | {"net_sentiment"}


def running(period: Period, now: datetime | None) -> bool:
    """Whether `period` is still running at `now` (a live store's "7 d" ends at the coming midnight)."""
    return now is not None and period.since < now < period.until


def previous_period(period: Period, now: datetime | None = None, tz: str | None = None) -> Period:
    """The span just before `period` that the overview compares it with: as long, or, while `period` is still
    running at `now`, only as far into it as `period` has come, so that six days and eight hours are compared with
    six days and eight hours, not seven days (which read as a fall in volume every morning).

    A period of whole local days of `tz` (both ends local midnights) steps back that many local days
    (`core.local_days`), as the weekly report and `groundswell digest --day` count days: the day after a 25-hour
    day is compared with all 25 hours of it, not with 24 hours from 01:00. Any other period (an hourly or rolling
    one, or no `tz`) steps back its length."""
    days = whole_days(period.since, period.until, tz)

    def back(moment: datetime) -> datetime:
        return moment - period.length if days is None or tz is None else days_earlier(moment, days, tz)

    return Period(back(period.since), back(now) if now is not None and running(period, now) else period.since)


def changes(now: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, float | None]:
    """Each compared figure's change against `before`, by the weekly report's rule (`period_report.figure_change`):
    percent for counts, points for shares; None when not comparable (no data before, a zero baseline, or too few
    days with data before: `previous_figures`)."""
    return {
        key: figure_change(now[key], before[key], relative=key not in IN_POINTS)
        for key in COMPARED if key in now and key in before
    }


def brand_figures(store: Store, brands: list[BrandInfo], scoped: Filters) -> dict[str, dict[str, Any]]:
    """Per brand of `brands` in `scoped` (its period, source, language and spam filters; brand ignored): the
    sentiment counts, mentions, negative share (of the labelled ones), net sentiment and share of voice (of the
    mentions of `brands`: one market, `market_brands`), by the rules of the weekly report
    (groundswell/period_report.py)."""
    sentiment = {b.name: store.facet(scoped.replace(brand=b.name, brands=None), "sentiment") for b in brands}
    per_brand = {name: {"mentions": sum(s.values()), "negative_share": negative_share(s)}
                 for name, s in sentiment.items()}
    out = {}
    for name, facet in sentiment.items():
        counts = {k: int(facet.get(k, 0)) for k in SENTIMENT_COUNTS}
        report = report_figures(per_brand, name)  # negative share and share of voice, as the weekly report
        out[name] = {
            "mentions": per_brand[name]["mentions"],
            **counts,
            "negative_share": report["negative_share"],
            "net_sentiment": floored(Bucket(start=scoped.since or datetime.min, **counts).net_sentiment,
                                     labelled_count(counts)),
            "share_of_voice": report["share_of_voice"],
        }
    return out


COUNTED = ("mentions", *SENTIMENT_COUNTS)  # scaled to the period's length over a partly covered previous period


def collection_days(
    store: Store, brands: list[BrandInfo], since: datetime, until: datetime, tz: str
) -> dict[str, set[date]]:
    """Per brand of `brands`: the local days of [since, until) on which any brand of its market (`peers` among
    `brands`) has a stored mention (`period_report.data_days`, the reports' rule): a day without is a collection
    gap, not a quiet day. One histogram per market."""
    start = since.astimezone(ZoneInfo(tz)).date()
    end = until.astimezone(ZoneInfo(tz)).date() + timedelta(days=1)
    found: dict[tuple[str, ...], set[date]] = {}
    out = {}
    for b in brands:
        market = tuple(peers(brands, b.name))
        if market not in found:
            found[market] = data_days(store, market, start, end, tz)
        out[b.name] = found[market]
    return out


def previous_figures(
    store: Store, brands: list[BrandInfo], scoped: Filters, window: Period, tz: str,
    firsts: Mapping[str, date | None] | None = None, with_data: Mapping[str, Collection[date]] | None = None,
) -> dict[str, dict[str, Any]]:
    """`brand_figures` over the previous period `window` (`scoped`: the view's filters over it), by the weekly
    report's coverage rule (`dashboards.web.coverage`): each brand's figures over the days it has data (from its
    first day on, its market's collection gaps left out: `with_data`, `collection_days`), its counts at the
    period's length (rate times days), none when it has too few days (`comparable`); share of voice over the days
    every brand of `brands` has data, none when too few. Each row's `coverage` says which (`reason`: why there is
    no change, in the report's words). `firsts` and `with_data` are looked up when not given."""
    if firsts is None:
        firsts = brand_firsts(store, [b.name for b in brands], tz)
    if with_data is None:
        with_data = collection_days(store, brands, window.since, window.until, tz)
    every_day = set().union(*with_data.values()) if with_data else set()  # share of voice: any compared brand's
    sov = window_coverage(window, market_first(dict(firsts)), tz, "every brand compared", every_day)
    sov_from = moment(sov["from"])
    figures = brand_figures(store, brands, scoped)
    # Share of voice counts from the day every brand has data: a brand that started later had no voice before.
    sov_figures = (brand_figures(store, brands, scoped.replace(since=sov_from))
                   if sov["comparable"] and sov_from > window.since else figures)
    out = {}
    for b in brands:
        coverage = window_coverage(window, firsts[b.name], tz, b.name, with_data[b.name])
        row = dict(figures[b.name])
        if not coverage["comparable"]:
            row.update(dict.fromkeys((*COUNTED, "negative_share", "net_sentiment"), None))
        elif coverage["scale"] != 1:
            row.update({k: round(row[k] * coverage["scale"], 1) for k in COUNTED})
        row["share_of_voice"] = sov_figures[b.name]["share_of_voice"] if sov["comparable"] else None
        sov_reason = None if sov["reason"] is None else (  # None: the whole window has data
            f"share of voice: every brand compared has data on {sov['days']} of its {sov['of']} days"
            + ("" if sov["comparable"] else ", too few to compare with"))
        row["coverage"] = {**coverage, "share_of_voice": {**sov, "reason": sov_reason}}
        out[b.name] = row
    return out


def current_coverage(
    period: Period, now: datetime | None, firsts: Mapping[str, date | None],
    with_data: Mapping[str, Collection[date]], tz: str,
) -> dict[str, dict[str, Any]]:
    """Per brand: this period's own days with data (`window_coverage`, so far while it runs), as the reports'
    "This week: data on 3 of its 7 days": a volume over fewer days than the previous period's is a gap, not a
    collapse, so its change is not shown (`whole` false), as the report does not."""
    span = Span(period.since, min(period.until, now) if running(period, now) and now is not None else period.until)
    start = period.since.astimezone(ZoneInfo(tz)).date()
    return {name: window_coverage(span, first or start, tz, name, with_data[name]) for name, first in firsts.items()}


def current_share_of_voice(
    store: Store, brands: list[BrandInfo], scoped: Filters, period: Period, firsts: Mapping[str, date | None],
    figures: dict[str, dict[str, Any]], tz: str,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """This period's share of voice by the weekly report's rule (`build_period_report`: `covered` from the day
    every brand of the market has data, `market_first`; not gap-aware): counted from that day, None ("–") when
    it leaves fewer than MIN_COMPARE_DAYS days (a competitor collected since Thursday read 60% here and "–" in
    `groundswell digest --period week`). Sets each row of `figures` (`brand_figures` over `scoped`) and returns
    the coverage (`reason`: null when the whole period counts) and the figures share of voice was counted from."""
    sov = window_coverage(period, market_first(dict(firsts)), tz, "every brand compared")
    sov_from = moment(sov["from"])
    counted = (brand_figures(store, brands, scoped.replace(since=sov_from))
               if sov["comparable"] and sov_from > period.since else figures)
    for name, row in figures.items():
        row["share_of_voice"] = counted[name]["share_of_voice"] if sov["comparable"] else None
    reason = None if sov["whole"] else (
        f"share of voice: every brand compared has data on {sov['days']} of its {sov['of']} days"
        + (f", counted from {sov['since']}" if sov["comparable"] else ", too few to state (\u2013)"))
    return {**sov, "reason": reason}, counted


def gap_aware(change: dict[str, float | None], coverage: Mapping[str, Any] | None) -> dict[str, float | None]:
    """`change` without the mentions' change when this period has a collection gap (`coverage["current"]` not
    whole): fewer days counted than the previous period's, which read as -67.6% (the report says "–")."""
    current = (coverage or {}).get("current")
    return {**change, "mentions": None} if current and not current["whole"] and "mentions" in change else change


def market_brands(brands: list[BrandInfo], selected: str | None) -> list[BrandInfo]:
    """The brands of `selected`'s market (`brands[].market`), which the overview compares and divides share of
    voice by: every brand without markets (or without a selected brand)."""
    names = set(peers(brands, selected)) if selected else {b.name for b in brands}
    return [b for b in brands if b.name in names]


def brand_meta(brands: list[BrandInfo]) -> list[dict[str, Any]]:
    """`/api/meta`'s brands: name, competitor and, for a brand with `brands[].market`, its market as the config
    first spells it (`market_label`: "Korea" and "korea " are one market, named once); no `market` key without."""
    return [{"name": b.name, "competitor": b.competitor,
             **({"market": market_label(brands, b.name)} if b.market is not None else {})} for b in brands]


def comparison(
    brands: list[BrandInfo], selected: str | None, now: Mapping[str, Mapping[str, Any]],
    before: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """One row per brand of `brands` (the selected brand's market: own and competitors, as configured): its
    figures now and in the previous period, and their changes."""
    keys = ("mentions", "negative_share", "net_sentiment", "share_of_voice")
    return [
        {
            "brand": b.name,
            "competitor": b.competitor,
            "selected": b.name == selected,
            "current": {k: now[b.name][k] for k in keys},
            "previous": {k: before[b.name][k] for k in keys},
            "change": gap_aware(changes(now[b.name], before[b.name]), before[b.name].get("coverage")),
            # how much of the previous period has data for it (the report's rule); `reason` when not whole
            "coverage": before[b.name].get("coverage"),
        }
        for b in brands
    ]


def overview(
    store: Store, brands: list[BrandInfo], filters: Filters, period: Period, interval: str, alerts: list[Alert],
    verdicts: Mapping[str, Mapping[str, Any]] | None = None, tz: str = "UTC", now: datetime | None = None,
) -> dict[str, Any]:
    """The overview's figures; day buckets are local days in `tz` (the team's digest.timezone, or `tz=`); `now`:
    the clock, for a period still running (`previous_period`)."""
    scoped = filters.replace(since=period.since, until=period.until)
    if interval == "week":
        buckets = weekly(store.histogram(scoped, interval="day", tz=tz), tz)
    else:
        buckets = store.histogram(scoped, interval=interval, tz=tz)  # type: ignore[arg-type]
    counts = {k: sum(getattr(b, k) for b in buckets) for k in SENTIMENT_COUNTS}
    # Share of voice: the same period and filters, across the brands of the selected brand's market (every brand
    # without markets): Solbit's competitors are Korean skincare brands, not the Italian pasta in the same install.
    market = market_brands(brands, filters.brand)
    shown = select_alerts(alerts, brand=filters.brand, since=period.since, until=period.until)
    # The same figures over the previous period of equal length, for the selected brand and every brand of its market.
    before_period = previous_period(period, now, tz)
    before_scope = filters.replace(since=before_period.since, until=before_period.until)
    now_brands = brand_figures(store, market, scoped)
    firsts = brand_firsts(store, [b.name for b in market], tz)
    # The days each market has any data, over both periods (the reports' rule: a day without is a collection gap)
    with_data = collection_days(store, market, before_period.since, period.until, tz)
    before_brands = previous_figures(store, market, before_scope, before_period, tz, firsts, with_data)
    this_period = current_coverage(period, now, firsts, with_data, tz)
    # This period's share of voice from the day every brand compared has data, as the report ("–" when too few)
    sov_now, sov_figures = current_share_of_voice(store, market, scoped, period, firsts, now_brands, tz)
    for name, row in before_brands.items():
        row["coverage"] = {**row["coverage"], "current": this_period[name],
                           "share_of_voice": {**row["coverage"]["share_of_voice"], "current": sov_now}}
    # Each market brand's share-of-voice count is its mentions as `brand_figures` just counted them (the same
    # view and the days share of voice counts): what a facet on "brand" over the market's brands says of each,
    # without reading all their mentions again (on SQLite that facet reads the mentions table itself: a fifth of a
    # 30-day overview's time).
    sov_counts = {name: figures["mentions"] for name, figures in sov_figures.items()}
    totals = {
        "mentions": sum(counts.values()),
        **counts,
        # the one rule (indexing.base), stated from the reports' floor of mentions with a sentiment up
        "net_sentiment": floored(Bucket(start=period.since, **counts).net_sentiment, labelled_count(counts)),
        "negative_share": negative_share(counts),  # of the labelled mentions, the weekly report's rule
        "share_of_voice": now_brands[filters.brand]["share_of_voice"] if filters.brand in now_brands else None,
        **engagement_totals(store, scoped),
    }
    previous = None
    if filters.brand in before_brands:
        previous = dict(before_brands[filters.brand])
        scale = previous["coverage"]["scale"]  # engagement and reach at the period's length, as the mentions
        previous.update({k: None if scale is None else round(v * scale, 1) if scale != 1 else v
                         for k, v in engagement_totals(store, before_scope).items()})
    coverage = previous.pop("coverage") if previous else None
    return {
        "brand": filters.brand,
        "period": {"since": period.since.isoformat(), "until": period.until.isoformat()},
        "previous_period": {
            "since": before_period.since.isoformat(), "until": before_period.until.isoformat(),
            # True while the period runs: the previous one is cut at the same point (`previous_period`)
            "so_far": running(period, now),
        },
        "timezone": tz,  # the zone of the day buckets; every time in the answer is UTC ISO 8601
        "interval": interval,
        "volume": [bucket_json(b) for b in buckets],
        # hourly: the zones the wall clock runs through, to name each hour's zone (`zone_stretches`); null otherwise
        "zones": zone_stretches(period.since, period.until, tz) if interval == "hour" else None,
        # the page draws a bucket's net sentiment as a trend point from this many mentions with a sentiment up
        "net_sentiment_min_posts": NET_SENTIMENT_MIN_POSTS,
        "totals": {**totals, "previous": previous, "change": gap_aware(changes(totals, previous), coverage)
                   if previous else None,
                   # the previous period's days with data (the report's rule): no change when not `comparable`
                   "coverage": coverage},
        "comparison": comparison(market, filters.brand, now_brands, before_brands),
        # the brands compared and whose mentions share of voice divides by; name None: the shared market
        "market": {"name": market_label(brands, filters.brand) if filters.brand else None,
                   "brands": [b.name for b in market]},
        "share_of_voice": [
            {"brand": b.name, "competitor": b.competitor, "count": int(sov_counts.get(b.name, 0))} for b in market
        ],
        "by_source": store.facet(scoped, "source"),
        "by_lang": store.facet(scoped, "lang"),
        "top_authors": [author_json(a) for a in store.top_authors(scoped, n=10)],
        **alert_feed(shown, verdicts=verdicts, tz=tz),
    }


ZONE_MARGIN = timedelta(hours=3)  # past the period's ends: its hourly axis is widened to whole hours, and a time near
# an end read twice is read again up to a clock change's size (at most 2 h in tzdata) away


def zone_stretches(since: datetime, until: datetime, tz: str) -> list[dict[str, Any]]:
    """The stretches of one UTC offset the wall clock of `tz` runs through from a little before `since` to a little
    after `until` (ZONE_MARGIN), oldest first: `since` (UTC ISO 8601: where it starts; the first one's is where the
    scan starts), `zone` (`alerts.wording.clock_zone`'s name: "CEST", "AEDT", "UTC+10:30") and `offset_minutes`.
    The overview's hourly charts name a bucket's zone and tell which wall times are read twice (a time whose
    reading another stretch reaches too: the hour clocks go back over, Lord Howe's half hour) from these, so the
    page names zones as the alerts and the weekly report do, where the browser's Intl said "GMT+11" for AEDT."""
    zone = ZoneInfo(tz)

    def offset(moment: datetime) -> timedelta:
        return moment.astimezone(zone).utcoffset() or timedelta()

    def stretch(moment: datetime) -> dict[str, Any]:
        return {"since": moment.isoformat(), "zone": clock_zone(moment.astimezone(zone)),
                "offset_minutes": int(offset(moment) / timedelta(minutes=1))}

    moment = (since - ZONE_MARGIN).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = until + ZONE_MARGIN
    out = [stretch(moment)]
    while moment < end:  # hour by hour (an hourly view is a few days); a change found is narrowed to its minute
        after = moment + timedelta(hours=1)
        if offset(after) != offset(moment):
            lo, hi = moment, after  # lo reads the old offset, hi the new one
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (lo, mid) if offset(mid) != offset(lo) else (mid, hi)
            out.append(stretch(hi.replace(second=0, microsecond=0)))
        moment = after
    return out


def alert_feed(
    alerts: list[Alert], limit: int | None = None, verdicts: Mapping[str, Mapping[str, Any]] | None = None,
    tz: str = "UTC",
) -> dict[str, Any]:
    """Alerts (newest first), the same alerts grouped into incidents (pinned crisis first, each with the verdict
    people gave it, `verdicts` by incident id: groundswell/alert_verdicts.py) and their count; each alert's
    `summary_local` says its times in `tz`, the page's zone.

    Every page that says how many alerts there are reads `count` from here (`alerts.incidents.count_alerts`).
    """
    verdicts = verdicts or {}
    count = count_alerts(alerts)
    incidents = group_incidents(alerts)
    top = pinned(incidents)
    return {
        "alerts": [alert_json(a, tz) for a in alerts[:limit]],
        "incidents": [incident_json(i, pinned=i is top, verdict=verdicts.get(i.id), tz=tz) for i in incidents],
        "count": {"incidents": count.incidents, "alerts": count.alerts, "label": count.label()},
    }


def incident_json(
    incident: Incident, *, pinned: bool = False, verdict: Mapping[str, Any] | None = None, tz: str = "UTC"
) -> dict[str, Any]:
    """One incident card: summary fields, its verdict (verdict, note, by, at; null without one) and its alerts,
    oldest first."""
    return {
        "id": incident.id,
        "brand": incident.brand,
        "severity": incident.severity,
        "start": incident.start.isoformat(),
        "end": incident.end.isoformat(),
        "crisis": incident.crisis,
        "open": incident.open,
        "cleared": incident.cleared,
        "pinned": pinned,
        "headline": incident.headline.id,
        "verdict": card_verdict(verdict),
        "alerts": [alert_json(a, tz) for a in incident.alerts],
    }


def search(store: Store, filters: Filters, size: int, cursor: str | None, sort: str,
           keep_alive: str | None = None) -> dict[str, Any]:
    """One page of `/api/search`; `keep_alive`: page one snapshot (docs/dashboard.md, `/api/search`)."""
    page = store.search(filters, size=size, cursor=cursor, sort=sort, keep_alive=keep_alive)  # type: ignore[arg-type]
    hits = []
    for hit in page.hits:
        row = mention_json(hit.mention)
        row["highlight"] = segments_for(hit.mention.text, hit.highlight, filters.text)
        row["score"] = hit.score
        hits.append(row)
    # total_exact false: `total` is a lower bound (the embedded store stops counting at 10,000; indexing/sqlite.py)
    out = {"total": page.total, "total_exact": page.total_exact, "next_cursor": page.next_cursor, "hits": hits}
    if filters.intent is not None:  # an intent filter cannot find posts not tagged yet: say how many there are
        out["untagged"] = untagged_count(store, filters)
    return out


def bucket_start(moment: datetime, interval: str, tz: str = "UTC") -> datetime:
    """The start (UTC) of the trend bucket holding `moment`: hours are UTC hours; days, weeks (from Monday),
    months and years start at local midnight in `tz` (`groundswell.periods.local_midnight`, the digest's day)."""
    if interval == "hour":
        return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return local_midnight(_first_day(moment.astimezone(ZoneInfo(tz)).date(), interval), tz)


def _first_day(day: date, interval: str) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    if interval == "year":
        return day.replace(month=1, day=1)
    return day


def _next_start(start: datetime, interval: str, tz: str = "UTC") -> datetime:
    if interval == "hour":
        return start + timedelta(hours=1)
    day = start.astimezone(ZoneInfo(tz)).date()
    if interval == "month":
        day = day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1)
    elif interval == "year":
        day = day.replace(year=day.year + 1)
    else:
        day += timedelta(days=7 if interval == "week" else 1)
    return local_midnight(day, tz)


def _starts(period: Period, interval: str, cap: int, tz: str = "UTC") -> list[datetime] | None:
    """Every bucket start of `period` at `interval`, or None when there would be more than `cap`."""
    starts: list[datetime] = []
    start = bucket_start(period.since, interval, tz)
    while start < period.until:
        if len(starts) == cap:
            return None
        starts.append(start)
        start = _next_start(start, interval, tz)
    return starts


def trend_buckets(period: Period, tz: str = "UTC") -> tuple[list[datetime], str]:
    """The bucket starts of a theme's trend sparkline over `period` (every bucket, empty ones too) and
    their interval: hours for short periods, days otherwise (`auto_interval`, as the volume chart), then
    weeks, months or years, the first that keeps a card within MAX_TREND_BUCKETS counts."""
    ladder = TREND_INTERVALS[TREND_INTERVALS.index(auto_interval(period)) :]
    for interval in ladder:
        starts = _starts(period, interval, MAX_TREND_BUCKETS, tz)
        if starts is not None:
            return starts, interval
    # Unreachable for the dates params.py accepts (1900..2199: 300 yearly buckets); never unbounded.
    raise ApiError(f"the period {period.since:%Y-%m-%d} to {period.until:%Y-%m-%d} is too long", param="since")


def trend_counts(
    store: Store, filters: Filters, themes: list[str], interval: str, tz: str = "UTC"
) -> dict[str, dict[datetime, int]]:
    """Each theme's counts per trend bucket: the store counts by hour or local day, weeks and longer are summed
    here."""
    store_interval = "hour" if interval == "hour" else "day"
    series = store.theme_histogram(filters, themes, store_interval, tz=tz) if themes else {}  # type: ignore[arg-type]
    out: dict[str, dict[datetime, int]] = {}
    for theme, counts in series.items():
        summed = out.setdefault(theme, {})
        for start, count in counts.items():
            bucket = bucket_start(start, interval, tz)
            summed[bucket] = summed.get(bucket, 0) + count
    return out


def themes(
    store: Store, filters: Filters, period: Period, n: int, min_count: int, samples: int, tz: str = "UTC"
) -> dict[str, Any]:
    """Recurring themes (most mentioned now) and rising ones (`nlp/trends.py`, as in the digest and report),
    each with its trend (counts per `trend_buckets` bucket) for the card's sparkline."""
    current = filters.replace(since=period.since, until=period.until)
    # Top-level themes only, each with its aspects (alerts/theme_tree.py): a post counts once.
    tree = window_themes(store, filters, period.since, period.until, n=max(n * 3, CANDIDATES), tz=tz)
    counted = tree.rows
    # Rising and new are judged only against a baseline with enough days of data (the reports' coverage rule):
    # a store that starts inside the baseline made every theme "rising", or "new".
    tree, baseline = judged_themes(store, filters.brand, tree, tz)  # the rule the digest and report judge by
    window = tree.trends

    details = theme_details(store, filters.brand)  # parent, labels per language, merges, split (issue 18)

    # The view's language as the store selects it (`ko-KR`, `KO` → `ko`; `unknown` → None): labels are per base code.
    view_lang = filter_lang(filters.lang) if filters.lang is not None else None

    def named(r: dict[str, Any]) -> dict[str, Any]:  # `label`: its name in the view's language, for page and CSV
        return r | {"label": shown_label(r, view_lang)}

    def row(r: Rise) -> dict[str, Any]:
        judged = window.judged  # else no baseline to compare with: its figures would mislead
        main = theme_json(counted[r.theme]) | details.get(r.theme, {})
        return {
            **main,
            "label": shown_label(main, view_lang),
            "aspects": [named(a | details.get(a["theme"], {})) for a in counted[r.theme].aspects_json()],
            "previous": round(r.expected, 2) if judged else None,  # the baseline's count at this period's length
            "change": round(r.change, 2) if judged else None,
            "growth": round(r.growth, 3) if judged else None,
            "rise_score": r.score if judged else None,
            "new": r.new if judged else None,
        }

    rows = {r.theme: row(r) for r in window.themes}
    recurring = [rows[r.theme] for r in window.themes[:n]]
    rising = [rows[r.theme] for r in window.rising(min_count)[:n]]
    shown = list({id(r): r for r in recurring + rising}.values())
    starts, interval = trend_buckets(period, tz)
    # One store query for every card's sparkline, not one per card.
    series = trend_counts(store, current, [r["theme"] for r in shown], interval, tz)
    for r in shown:
        # samples=0 asks for none; stores refuse a page of size 0. One page only: no point in time kept open.
        sample = current.replace(theme=r["theme"])
        page = store.search(sample, size=samples, sort="engagement", page_on=False) if samples else None
        r["samples"] = [mention_json(h.mention) for h in page.hits] if page else []
        counts = series.get(r["theme"], {})
        r["trend"] = [counts.get(start, 0) for start in starts]
    return {
        "brand": filters.brand,
        "period": {"since": period.since.isoformat(), "until": period.until.isoformat()},
        "timezone": tz,
        "trend": {"interval": interval, "starts": [start.isoformat() for start in starts]},
        "facets": list(THEME_FACETS),  # what a card's Explore link carries besides brand and period
        "previous_period": {"since": window.baseline_since.isoformat(), "until": window.baseline_until.isoformat(),
                            # its days with data (`dashboards.web.coverage`); `comparable` false: no rising or new
                            "coverage": baseline},
        "rising_judged": window.judged,
        "recurring": recurring,
        "rising": rising,
    }
