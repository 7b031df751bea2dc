"""Make an alert self-explanatory: driving posts, terms, themes, mix, link and a summary.

Everything comes from the `Store` protocol, so it reads the same from SQLite or Elasticsearch.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import urlencode

from alerts.influencer import post_of
from alerts.kinds import detector_for, kind_info
from core.alert import Alert
from indexing.base import Filters, Store

log = logging.getLogger(__name__)

TOP_POSTS = 5
CANDIDATE_POSTS = 25


def alert_filters(alert: Alert) -> Filters:
    """The mentions an alert is about: exactly what its detector counted in its window.

    The one rule behind the explanation (driving posts, terms, mix) and the dashboard link; each
    detector says which (`Detector.filters`: negatives unless it counted something else).
    """
    base = Filters(
        brand=alert.brand, since=alert.window_start, until=alert.window_end, source=alert.source, lang=alert.lang
    )
    return detector_for(alert.kind).filters(alert, base)


def explain(alert: Alert, store: Store, dashboard_url: str | None = None, background_days: int = 14) -> Alert:
    """Fill the alert's explanation fields from the store (in place) and return it."""
    fg = alert_filters(alert)
    detector = detector_for(alert.kind)
    try:
        if not detector.carries_posts:
            page = store.search(fg, size=CANDIDATE_POSTS, sort="engagement")
            hits = sorted(page.hits, key=lambda h: (-h.mention.reach, h.mention.id))[:TOP_POSTS]
            alert.top_posts = [post_of(h.mention) for h in hits]
        background = Filters(
            brand=alert.brand, since=alert.window_start - timedelta(days=background_days), until=alert.window_start
        )
        alert.top_terms = detector.terms(alert, [term for term, _ in store.significant_terms(fg, background, n=8)])
        alert.top_themes = [t.theme for t in store.top_themes(fg, n=5)]
        alert.source_mix = store.facet(fg, "source")
        alert.lang_mix = store.facet(fg, "lang")
    except Exception as exc:  # an explanation must never cost us the alert itself
        log.warning("could not fully explain alert %s: %s", alert.id, exc)
    if dashboard_url:
        alert.link = dashboard_link(dashboard_url, alert)
    alert.summary = summarize(alert)
    return alert


def explore_query(alert: Alert) -> str:
    """Query string of the dashboard's Explore page showing the alert's posts (`alert_filters`), top first."""
    f = alert_filters(alert)
    params = {
        "brand": f.brand,
        "sentiment": f.sentiment,
        "source": f.source,
        "lang": f.lang,
        "q": f.text,
        "min_followers": str(f.min_followers) if f.min_followers is not None else None,
        "since": _iso(f.since),
        "until": _iso(f.until),
        "sort": "engagement",
    }
    return urlencode({k: v for k, v in params.items() if v})


def dashboard_link(base: str, alert: Alert) -> str:
    """The alert's Explore link on the dashboard at `base`."""
    return f"{base.rstrip('/')}/explore?" + explore_query(alert)


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def summarize(a: Alert) -> str:
    """One paragraph a manager can act on without opening anything: the detector's words, then the evidence."""
    parts: list[str] = []
    where = " / ".join(x for x in (a.source and f"on {a.source}", a.lang and f"in language '{a.lang}'") if x)
    if where:
        parts.append(f"[{a.brand} {where} only]")
    detector = detector_for(a.kind)
    parts += detector.describe(a)
    if not kind_info(a.kind).details:
        return " ".join(parts)
    if a.source_mix:
        parts.append("Mostly on " + _mix(a.source_mix) + (" in " + _mix(a.lang_mix) if a.lang_mix else "") + ".")
    if a.top_terms:
        parts.append("Over-represented terms: " + ", ".join(a.top_terms[:5]) + ".")
    if a.top_themes:
        parts.append("Themes: " + ", ".join(a.top_themes[:3]) + ".")
    if a.top_posts and not detector.carries_posts:
        p = a.top_posts[0]
        who = f"@{p.author}" if p.author else p.source or "unknown"
        audience = f", {p.followers:,} followers" if p.followers else ""
        parts.append(f"Top post ({who}{audience}): “{_short(p.text)}”")
    elif a.top_posts:
        parts.append(f"Post: “{_short(a.top_posts[0].text)}”")
    return " ".join(parts)


def _mix(mix: dict[str, int], n: int = 2) -> str:
    total = sum(mix.values()) or 1
    top = sorted(mix.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{k} ({v / total:.0%})" for k, v in top)


def _short(text: str, n: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
