"""Influencer alerts: an author with a large audience posting negatively about the brand.

One alert per post (its id is the alert's subject, so re-runs never repeat it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from alerts.config import InfluencerRule
from alerts.detector import DetectContext, Detector, Kind
from alerts.series import STEP, floor_time
from alerts.wording import when
from core.alert import Alert, Detection, DrivingPost
from core.mention import Mention
from indexing.base import Filters, Store

MAX_INFLUENCER_POSTS = 500


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
            severity="critical" if followers >= 10 * rule.min_followers else "warning",
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

    def describe(self, alert: Alert) -> list[str]:
        post = alert.top_posts[0] if alert.top_posts else None
        who = f"@{post.author}" if post and post.author else "An author"
        return [
            f"{alert.brand}: {who} with {alert.observed:,.0f} followers posted negatively during {when(alert)}"
            + (f" ({post.source})" if post and post.source else "")
            + "."
        ]


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
