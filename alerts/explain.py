"""Make an alert self-explanatory: key phrases, rising themes, unusual mix, top posts, link, summary.

The evidence (`alerts.evidence.gather`) compares the alert's posts with the same kind of posts in
the baseline days before it (before its crisis began, for a follow-up of one: `explain`); everything
comes from the `Store` protocol, so it reads the same from SQLite or Elasticsearch.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from urllib.parse import urlencode

from alerts.authors import AuthorShare
from alerts.evidence import SharedPosts, gather, left_out
from alerts.kinds import detector_for, kind_info
from alerts.wording import shifts_text
from core.alert import Alert
from indexing.base import Filters, Store

log = logging.getLogger(__name__)


def alert_filters(alert: Alert) -> Filters:
    """The mentions an alert is about: exactly what its detector counted in its window.

    The one rule behind the explanation (driving posts, terms, mix) and the dashboard link; each
    detector says which (`Detector.filters`: negatives unless it counted something else).
    """
    base = Filters(
        brand=alert.brand, since=alert.window_start, until=alert.window_end, source=alert.source, lang=alert.lang
    )
    return detector_for(alert.kind).filters(alert, base)


def explain(
    alert: Alert,
    store: Store,
    dashboard_url: str | None = None,
    background_days: int = 14,
    usual_until: datetime | None = None,
    aliases: Iterable[str] = (),
    until: datetime | None = None,
    configured: Collection[str] | None = None,
) -> Alert:
    """Fill the alert's explanation fields from the store (in place) and return it. `aliases`: the brand's
    other names, which are never key phrases (`alerts.evidence.brand_words`). `configured`: the config's brands,
    the only ones "N of these posts also name X" names (`alerts.evidence.shared_posts`; None: any). `until`: the
    moment the detection that decided the alert read the store up to (a scheduled run's `now`; None: everything
    stored).

    The explanation tells of the posts the alert counted: those of its window posted before `until`. Read to the
    window's end instead, a run deciding during the window's hour told of posts stored after its `now` (an
    import, a collector catching up) and said "3 mentions" and then "all 4 mentions are in …" in one message.

    The usual ("… usually", the unusual mix, themes up) is the same kind of posts over the
    `background_days` before the window, or before `usual_until` when that is earlier: the start of the
    crisis episode the alert follows up (`alerts.incidents.usual_ends`). So an escalation three hours into
    a crisis is compared with the days before the crisis, as the spike detector compares it (it keeps an
    episode's buckets out of its baseline), not with a "usual" that holds the crisis's own first hours."""
    fg = alert_filters(alert)
    if until is not None and fg.until is not None and until < fg.until:
        fg = fg.replace(until=until)
    detector = detector_for(alert.kind)
    shared: SharedPosts | None = None
    authors: AuthorShare | None = None
    try:
        # The usual: the same kind of posts (same filters) over the baseline days before the window
        # (before the crisis the alert belongs to).
        end = alert.window_start if usual_until is None else min(alert.window_start, usual_until)
        since = end - timedelta(days=background_days)
        usual = fg.replace(since=since, until=end)
        wider = Filters(brand=alert.brand, since=since, until=end)
        found = gather(store, fg, usual, alert.brand, wider, aliases, configured)
        if not detector.carries_posts:
            alert.top_posts = found.top_posts
        alert.key_phrases = found.key_phrases
        alert.top_terms = detector.terms(alert, found.terms)
        alert.shifts = found.shifts
        alert.top_themes = [s.value for s in found.shifts if s.dimension == "theme"]  # themes up only
        shared, authors = found.shared, found.authors
        alert.source_mix = store.facet(fg, "source")
        alert.lang_mix = store.facet(fg, "lang")
        if not detector.carries_posts:  # an alert about one post (viral, influencer) counts no window
            # What the window's counts leave out, of every sentiment: the alert's scope, not its counted posts.
            scope = Filters(brand=alert.brand, since=fg.since, until=fg.until, source=alert.source, lang=alert.lang)
            alert.left_out = left_out(store, scope)
    except Exception as exc:  # an explanation must never cost us the alert itself
        log.warning("could not fully explain alert %s: %s", alert.id, exc)
    if dashboard_url:
        alert.link = dashboard_link(dashboard_url, alert)
    alert.summary = summarize(alert, shared, authors)
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
    """The alert's link in every message (each channel renders `Alert.link`): the dashboard's Alerts page at `base`
    focused on it (its explanation, incident and verdict buttons; from there, Explore over its exact window,
    `explore_query`). Links sent before this rule lead to Explore, which still opens them."""
    return f"{base.rstrip('/')}/alerts?" + urlencode({"alert": alert.id, "brand": alert.brand})


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def summarize(a: Alert, shared: SharedPosts | None = None, authors: AuthorShare | None = None) -> str:
    """One paragraph a manager can act on without opening anything: the detector's words, then the evidence.

    `shared`: most of the surge's posts also name other brands (`alerts.evidence.shared_posts`), said after the
    key phrases, so one surge naming three brands reads as one story in each brand's alert. The summary names
    only themes the alert's `top_themes` holds (those up): a theme over a baseline too thin to call it up
    (`alerts.evidence.ThemeCounts`) is on no field, and a summary naming it read as a claim the fields lack.
    `authors`: one author wrote most of the alert's posts (`alerts.authors.author_share`), said right after the
    headline ("All 6 posts are from 1 author, @angry_bob."), for alerts that count posts: one person's thread must
    not read as a brand crisis. An alert about one post (`carries_posts`: influencer, viral) names its author."""
    # UTC, as every time the alert stores: `summary_in` puts the headline on a team's clock when shown.
    parts = [h] if (h := headline(a)) else []
    detector = detector_for(a.kind)
    if not kind_info(a.kind).details:
        return " ".join(parts)
    if authors is not None and not detector.carries_posts:
        parts.append(authors.text())
    if a.key_phrases:
        parts.append("Key phrases: " + ", ".join(f"“{p}”" for p in a.key_phrases) + ".")
    elif a.top_terms:  # an alert explained before key phrases existed
        parts.append("Over-represented terms: " + ", ".join(a.top_terms[:5]) + ".")
    if shared is not None:
        parts.append(shared.text())
    themes = shifts_text(a.shifts, "theme")
    if themes:
        parts.append("Themes up: " + themes + ".")
    mix = shifts_text(a.shifts)
    if mix:
        parts.append("Unusual mix: " + mix + ".")
    if a.top_posts and not detector.carries_posts:
        p = a.top_posts[0]
        who = f"@{p.author}" if p.author else p.source or "unknown"
        audience = f", {p.followers:,} followers" if p.followers else ""
        parts.append(f"Top post ({who}{audience}): “{_short(p.text)}”")
    elif a.top_posts:
        parts.append(f"Post: “{_short(a.top_posts[0].text)}”")
    return " ".join(parts)


def headline(a: Alert, tz: str = "UTC") -> str:
    """The summary's opening (its scope, then the detector's sentences), times on the wall clock of `tz`: the
    only part of a summary with times in it (the evidence after it has none), so the one to render per zone."""
    where = " / ".join(x for x in (a.source and f"on {a.source}", a.lang and f"in language '{a.lang}'") if x)
    scope = [f"[{a.brand} {where} only]"] if where else []
    return " ".join(scope + _described(a, tz))


def _described(a: Alert, tz: str) -> list[str]:
    describe = detector_for(a.kind).describe
    if "tz" in inspect.signature(describe).parameters:
        return describe(a, tz)
    # A plugin detector written before `tz` (docs/alerts.md) says UTC, and names it: right, if not local.
    return describe(a)


LATE, LATE_END = "Posts collected late:", "were stored after the last check."  # `late_note`'s sentence


def late_note(a: Alert, fresh: int, counted: int) -> Alert:
    """Say in `a`'s summary, right after its headline, that it rests on posts collected late (`fresh` of the
    `counted` posts it counts were stored after the last scheduled run read the store:
    `alerts.detect.collected_late`), and when it happened: it is sent hours after its window, and a reader must not
    take it for what is happening now. In place; returns `a`. UTC and named so: `summary_in` renders only the
    headline on a team's clock."""
    sentence = (f"{LATE} this happened at {a.window_start:%Y-%m-%d %H:%M} UTC; {fresh:,} of its {counted:,} posts "
                f"{LATE_END}")
    _insert(a, sentence)
    return a


def carry_late_note(a: Alert, stored: Alert | None) -> Alert:
    """Keep the late note (`late_note`) the stored copy of `a` has in `a`'s fresh summary: explained again by a later
    pass (`--history`), the alert was still found late. In place; returns `a`."""
    old = (stored.summary or "") if stored is not None else ""
    start = old.find(LATE)
    if start < 0 or LATE in (a.summary or ""):
        return a
    end = old.find(LATE_END, start)
    if end > 0:
        _insert(a, old[start:end + len(LATE_END)])
    return a


def _insert(a: Alert, sentence: str) -> None:
    """Put `sentence` right after `a`'s headline (first, if its summary does not open with it)."""
    summary, opening = a.summary or "", headline(a)
    if opening and (summary == opening or summary.startswith(opening + " ")):
        a.summary = f"{opening} {sentence}{summary[len(opening):]}"
    else:
        a.summary = f"{sentence} {summary}".strip()


def summary_in(a: Alert, tz: str = "UTC") -> str:
    """The alert's summary for people on the wall clock of `tz` (digest.timezone): the stored `summary` keeps UTC
    (the API, CSV and alert log are data), its headline is rendered again from the alert's fields in `tz`, the
    evidence after it kept as stored (its theme counts are on no field). A summary that does not open with the
    UTC headline (written by an older wording, or by hand) is shown as stored: it names UTC, so is never wrong."""
    summary = a.summary or ""
    if not summary or tz == "UTC":
        return summary
    stored = headline(a)
    if not stored or summary != stored and not summary.startswith(stored + " "):
        return summary
    return headline(a, tz) + summary[len(stored):]


def _short(text: str, n: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
