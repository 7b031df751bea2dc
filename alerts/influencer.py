"""Influencer alerts: an author with a large audience posting negatively about the brand.

One alert per post (its id is the alert's subject, so re-runs never repeat it).
"""

from __future__ import annotations

from collections.abc import Iterable

from alerts.config import InfluencerRule
from alerts.series import STEP, floor_time
from core.alert import Alert, Detection, DrivingPost
from core.mention import Mention


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
