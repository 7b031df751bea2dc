"""Make an alert self-explanatory: driving posts, terms, themes, mix, link and a summary.

Everything comes from the `Store` protocol, so it reads the same from SQLite or Elasticsearch.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import urlencode

from alerts.influencer import post_of
from core.alert import Alert
from indexing.base import Filters, Store

log = logging.getLogger(__name__)

TOP_POSTS = 5
CANDIDATE_POSTS = 25


def alert_filters(alert: Alert) -> Filters:
    """The mentions an alert is about: exactly what its detector counted in its window.

    The one rule behind the explanation (driving posts, terms, mix) and the dashboard link:
    - spike / all-clear: the brand's negatives;
    - keyword: mentions containing the term, of the sentiment the rule counted (all, unless
      `alerts.keyword.negative_only`);
    - influencer: negatives on the post's source by authors at least as followed as its author.
    """
    base = Filters(
        brand=alert.brand, since=alert.window_start, until=alert.window_end, source=alert.source, lang=alert.lang
    )
    if alert.kind == "keyword":
        return base.replace(text=phrase(alert.subject) if alert.subject else None, sentiment=alert.counted_sentiment)
    if alert.kind == "influencer":
        post = alert.top_posts[0] if alert.top_posts else None
        return base.replace(
            sentiment="negative", source=(post and post.source) or alert.source, min_followers=int(alert.observed)
        )
    return base.replace(sentiment="negative")


def phrase(term: str) -> str:
    """A crisis term as a literal phrase in Groundswell's query language."""
    return '"' + term.replace('"', " ").strip() + '"'


def explain(alert: Alert, store: Store, dashboard_url: str | None = None, background_days: int = 14) -> Alert:
    """Fill the alert's explanation fields from the store (in place) and return it."""
    fg = alert_filters(alert)
    try:
        if alert.kind != "influencer":
            page = store.search(fg, size=CANDIDATE_POSTS, sort="engagement")
            hits = sorted(page.hits, key=lambda h: (-h.mention.reach, h.mention.id))[:TOP_POSTS]
            alert.top_posts = [post_of(h.mention) for h in hits]
        background = Filters(
            brand=alert.brand, since=alert.window_start - timedelta(days=background_days), until=alert.window_start
        )
        terms = [term for term, _ in store.significant_terms(fg, background, n=8)]
        if alert.kind == "keyword" and alert.subject:
            # The crisis term is what the alert is about: first, then what else stood out with it.
            terms = [alert.subject] + [t for t in terms if t.lower() != alert.subject.lower()][:7]
        alert.top_terms = terms
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


def _when(a: Alert) -> str:
    start, end = a.window_start, a.window_end
    same_day = start.date() == (end - timedelta(seconds=1)).date()
    tail = end.strftime("%H:%M") if same_day else end.strftime("%Y-%m-%d %H:%M")
    return f"{start.strftime('%Y-%m-%d %H:%M')}–{tail} UTC"


def summarize(a: Alert) -> str:
    """One paragraph a manager can act on without opening anything."""
    parts: list[str] = []
    where = " / ".join(x for x in (a.source and f"on {a.source}", a.lang and f"in language '{a.lang}'") if x)
    if where:
        parts.append(f"[{a.brand} {where} only]")
    if a.kind == "all_clear":
        parts.append(
            f"All clear for {a.brand}: the negative spike of {_when(a)} has ended "
            f"({a.observed:.0f} negative mentions in all vs {a.expected:.0f} expected)."
        )
        return " ".join(parts)
    if a.kind == "keyword":
        parts.append(
            f"{a.brand}: crisis term “{a.subject}” in {a.observed:.0f} mentions during {_when(a)}, "
            f"vs {a.expected:.1f} usual (Poisson p = {_p(a.p_value)})."
        )
    elif a.kind == "influencer":
        post = a.top_posts[0] if a.top_posts else None
        who = f"@{post.author}" if post and post.author else "An author"
        parts.append(
            f"{a.brand}: {who} with {a.observed:,.0f} followers posted negatively during {_when(a)}"
            + (f" ({post.source})" if post and post.source else "")
            + "."
        )
    else:
        ratio = a.observed / a.expected if a.expected else float("inf")
        escalation = "Still growing:" if a.subject and a.subject.startswith("escalation") else ""
        test = {
            "cusum": "a CUSUM drift test",
            "ewma": "an EWMA drift test",
        }.get(a.detector or "", f"{a.statistic.replace('_', ' ')} test")
        parts.append(
            f"{escalation + ' ' if escalation else ''}{a.brand}: {a.observed:.0f} negative mentions during {_when(a)}, "
            f"{ratio:.1f}× the {a.expected:.1f} expected for this hour and weekday ({test}, p = {_p(a.p_value)})."
        )
        if a.negative_share is not None and a.expected_share is not None:
            parts.append(f"Negative share {a.negative_share:.0%} vs {a.expected_share:.0%} usually.")
    if a.source_mix:
        parts.append("Mostly on " + _mix(a.source_mix) + (" in " + _mix(a.lang_mix) if a.lang_mix else "") + ".")
    if a.top_terms:
        parts.append("Over-represented terms: " + ", ".join(a.top_terms[:5]) + ".")
    if a.top_themes:
        parts.append("Themes: " + ", ".join(a.top_themes[:3]) + ".")
    if a.top_posts and a.kind != "influencer":
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


def _p(p: float | None) -> str:
    if p is None:
        return "n/a"
    return f"{p:.1e}" if p < 0.001 else f"{p:.3f}"


def _short(text: str, n: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
