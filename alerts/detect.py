"""Run every detector for one brand against a store and return explained alerts.

`detect_alerts(store, brand, config)` with `now=None` looks at the whole history (demo,
backtest) and returns every alert it would have raised. With `now`, it is a scheduled run:
it reads the history the baseline needs, replays it (so an episode begun hours ago is still
known to be open) and returns only alerts decided in the latest `recent_buckets` buckets.
Alert ids are stable, so overlapping runs return the same ids and delivery sends each once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from alerts.config import AlertsConfig
from alerts.explain import explain, phrase
from alerts.incidents import assign_incidents
from alerts.influencer import detect_influencers
from alerts.keyword import detect_keyword
from alerts.series import STEP, CountSeries, from_buckets
from alerts.spike import detect_spikes
from core.alert import Alert, Detection
from core.mention import Mention
from indexing.base import Filters, Store

MAX_INFLUENCER_POSTS = 500


class BrandLike(Protocol):
    name: str
    crisis_terms: list[str]


def detect_alerts(
    store: Store,
    brand: BrandLike,
    config: AlertsConfig,
    now: datetime | None = None,
    dashboard_url: str | None = None,
    explained: bool = True,
) -> list[Alert]:
    """Spike, keyword and influencer alerts for `brand`, explained, oldest first."""
    if not config.enabled:
        return []
    return [d.alert for d in detections(store, brand, config, now, dashboard_url, explained)]


def detections(
    store: Store,
    brand: BrandLike,
    config: AlertsConfig,
    now: datetime | None = None,
    dashboard_url: str | None = None,
    explained: bool = True,
) -> list[Detection]:
    """Like `detect_alerts`, but each alert with the moment it was decided (for backtests)."""
    interval = config.spike.bucket
    step = STEP[interval]
    since = until = None
    if now is not None:
        until = now
        # Twice the baseline window: the first half warms the baseline up for the second.
        since = now - timedelta(days=2 * config.spike.baseline_days) - step
    base = Filters(brand=brand.name, since=since, until=until)
    buckets = store.histogram(base, interval)
    if not buckets:
        return []
    series = from_buckets(buckets, interval, start=since, end=until, now=now)
    found = detect_spikes(series, brand.name, config.spike)
    if config.split_by:
        found += _split_spikes(store, brand.name, config, base, series, found, now)

    if config.keyword.enabled:
        for term in dict.fromkeys(t.strip() for t in brand.crisis_terms if t.strip()):
            term_filters = base.replace(
                text=phrase(term), sentiment="negative" if config.keyword.negative_only else None
            )
            term_series = from_buckets(
                store.histogram(term_filters, interval), interval, series.start, series.start + len(series) * step, now
            )
            if not config.keyword.negative_only:
                term_series.negative = term_series.total
            found += detect_keyword(
                term_series,
                brand.name,
                term,
                config.keyword,
                config.spike.baseline_days * (24 if interval == "hour" else 1),
            )

    if config.influencer.enabled:
        # A scheduled run needs only the last day (late arrivals included), not the baseline's weeks.
        recent = base.replace(since=now - timedelta(days=1)) if now is not None else base
        posts = _negatives_by_influencers(store, recent, config.influencer.min_followers)
        found += detect_influencers(posts, brand.name, config.influencer, interval)

    # Before the recent-only cut: the incident an alert belongs to depends on the alerts before it.
    assign_incidents(found, max(timedelta(hours=config.incident_gap_hours), step))
    if now is not None:
        recent_from = series.time(max(0, len(series) - config.recent_buckets))
        # Influencer posts can arrive late (collection lag), so they get a day; the rest must be recent.
        late_from = now - timedelta(days=1)
        found = [d for d in found if d.decided_at > (late_from if d.alert.kind == "influencer" else recent_from)]
    found.sort(key=lambda d: (d.decided_at, d.alert.kind, d.alert.id))
    if explained:
        for d in found:
            explain(d.alert, store, dashboard_url, config.spike.baseline_days)
    return found


def _negatives_by_influencers(store: Store, base: Filters, min_followers: int) -> list[Mention]:
    filters = base.replace(sentiment="negative", min_followers=min_followers)
    out: list[Mention] = []
    cursor = None
    while len(out) < MAX_INFLUENCER_POSTS:
        page = store.search(filters, size=100, cursor=cursor, sort="oldest")
        out.extend(h.mention for h in page.hits)
        cursor = page.next_cursor
        if not cursor:
            break
    return out


def _split_spikes(
    store: Store,
    brand: str,
    config: AlertsConfig,
    base: Filters,
    series: CountSeries,
    brand_level: list[Detection],
    now: datetime | None,
) -> list[Detection]:
    """Spike alerts per source / language, kept only where the brand as a whole raised none.

    A crisis in one language community can be invisible in the brand's totals; when the
    brand-level detector already fired, the slices would only repeat it.
    """
    interval = config.spike.bucket
    step = STEP[interval]
    end = series.start + len(series) * step
    busy: list[tuple[datetime, datetime]] = []
    opened: dict[str | None, datetime] = {}
    for d in brand_level:
        if d.alert.kind == "spike" and not d.alert.subject:
            opened[d.alert.id] = d.alert.window_start
        elif d.alert.kind == "all_clear":
            busy.append((d.alert.window_start, d.decided_at))
            opened.pop(d.alert.episode_id, None)
    busy += [(start, end) for start in opened.values()]  # still open at the end of the data

    out: list[Detection] = []
    total = sum(store.facet(base, "source").values()) or 1
    for dim in config.split_by:
        for value, count in store.facet(base, dim).items():
            if value == "unknown" or count / total < config.split_min_share:
                continue
            sliced = base.replace(**{dim: value})
            part = from_buckets(store.histogram(sliced, interval), interval, series.start, end, now)
            dropped: set[str | None] = set()
            for d in detect_spikes(part, brand, config.spike, scope={dim: value}):
                opens = d.alert.kind == "spike" and not d.alert.subject
                if opens and any(a <= d.decided_at - step < b for a, b in busy):
                    dropped.add(d.alert.episode_id)  # the brand-level alert already covers it
                if d.alert.episode_id not in dropped:
                    out.append(d)
    return out
