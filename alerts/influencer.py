"""Influencer alerts: an author with a large audience posting negatively about the brand.

One alert per post (its id is the alert's subject, so re-runs never repeat it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from alerts.config import InfluencerRule
from alerts.detector import DetectContext, Detector, Kind
from alerts.series import STEP, floor_time
from alerts.wording import number, when
from core.alert import Alert, Detection, DrivingPost
from core.mention import Mention
from indexing.base import Filters, Store

MAX_INFLUENCER_POSTS = 500
CRITICAL_MULTIPLE = 10  # an author with this many times `min_followers` makes the alert critical
_MAX_FOLLOWERS_FILTER = 2**63 - 1  # stores compare followers as signed 64-bit integers


def detect_influencers(
    mentions: Iterable[Mention], brand: str, rule: InfluencerRule | None = None, interval: str = "hour"
) -> list[Detection]:
    """Alerts for negative mentions by authors with at least `min_followers` followers."""
    rule = rule or InfluencerRule()
    out: list[Detection] = []
    for m in mentions:
        followers = m.author.followers or 0
        if m.sentiment is None or m.sentiment.label != "negative":
            continue
        if followers < rule.min_followers or m.engagement.total < rule.min_engagement:
            continue
        start = floor_time(m.created_at, interval)
        end = start + STEP[interval]
        alert = Alert(
            kind="influencer",
            brand=brand,
            severity="critical" if followers >= CRITICAL_MULTIPLE * rule.min_followers else "warning",
            window_start=start,
            window_end=end,
            observed=float(followers),
            expected=float(rule.min_followers),
            statistic="followers",
            score=round(followers / rule.min_followers, 3),
            subject=m.id,
            detector="influencer",
            top_posts=[post_of(m)],
        )
        out.append(Detection(alert, end, 0))
    out.sort(key=lambda d: d.alert.window_start)
    return out


def post_of(m: Mention, limit: int = 280) -> DrivingPost:
    """The alert's view of a mention: short text, author, audience and engagement."""
    text = m.text if len(m.text) <= limit else m.text[: limit - 1] + "…"
    return DrivingPost(
        id=m.id,
        url=m.url,
        text=text,
        author=m.author.handle or m.author.name,
        followers=m.author.followers,
        engagement=m.engagement.total,
        lang=m.lang,
        source=m.source,
        sentiment=m.sentiment.label if m.sentiment else None,
    )


class InfluencerDetector(Detector):
    """Negative posts by authors with a large audience; they may arrive late, so a day counts as recent."""

    name = "influencer"
    kinds = {"influencer": Kind("Influencer post")}
    rule_model = InfluencerRule
    late = timedelta(days=1)
    carries_posts = True

    def detect(self, ctx: DetectContext) -> list[Detection]:
        rule: InfluencerRule = self.rule(ctx.config)
        # A scheduled run needs only the last day (late arrivals included), not the baseline's weeks.
        recent = ctx.base.replace(since=ctx.now - self.late) if ctx.now is not None else ctx.base
        posts = _negatives_by_influencers(ctx.store, recent, rule.min_followers)
        return detect_influencers(posts, ctx.brand.name, rule, ctx.interval)

    def filters(self, alert: Alert, base: Filters) -> Filters:
        """Negatives on the post's source by authors at least as followed as its author."""
        post = alert.top_posts[0] if alert.top_posts else None
        return base.replace(
            sentiment="negative", source=(post and post.source) or alert.source, min_followers=int(alert.observed)
        )

    def measured(self, alert: Alert) -> list[tuple[str, str]]:
        """The author's audience against the rule's `min_followers` (an alert holds them as observed and
        expected; no test judged them: 'Observed / expected' and 'score 13.5' said nothing to a reader)."""
        over = "over" if alert.observed > alert.expected else "at"
        return [("Reach", f"{number(alert.observed)} followers, {over} the {number(alert.expected)} threshold")]

    def describe(self, alert: Alert, tz: str = "UTC") -> list[str]:
        post = alert.top_posts[0] if alert.top_posts else None
        who = f"@{post.author}" if post and post.author else "An author"
        return [
            f"{alert.brand}: {who} with {alert.observed:,.0f} followers posted negatively during {when(alert, tz)}"
            + (f" ({post.source})" if post and post.source else "")
            + "."
        ]


def _negatives_by_influencers(store: Store, base: Filters, min_followers: int) -> list[Mention]:
    """At most MAX_INFLUENCER_POSTS negative posts by authors with `min_followers`, the ones that matter
    most first: the critical tier (CRITICAL_MULTIPLE x min_followers) before the rest, each newest first.
    So a busy day of mid-size accounts cannot crowd out a huge account's post, and old posts cannot crowd
    out the newest (those a scheduled run has not alerted on yet). A whole-history run is capped the same way."""
    critical = min(CRITICAL_MULTIPLE * min_followers, _MAX_FOLLOWERS_FILTER)
    out: dict[str, Mention] = {}
    for floor in (critical, min_followers):
        _read_newest(store, base.replace(sentiment="negative", min_followers=floor), out)
    return list(out.values())


def _read_newest(store: Store, filters: Filters, out: dict[str, Mention]) -> None:
    """Add matches of `filters` to `out` (by id, so a tier read again is not counted twice), newest first,
    until `out` holds MAX_INFLUENCER_POSTS. Bounded: the second tier's only repeats are the critical posts
    already in `out` (fewer than the cap, or it would not be read), so both tiers read about twice the cap."""
    cursor = None
    while len(out) < MAX_INFLUENCER_POSTS:
        page = store.search(filters, size=100, cursor=cursor, sort="newest")
        for hit in page.hits:
            if len(out) < MAX_INFLUENCER_POSTS:
                out.setdefault(hit.mention.id, hit.mention)
        cursor = page.next_cursor
        if not cursor:
            break
