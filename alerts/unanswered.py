"""Unanswered alerts (opt-in): "12 negative posts unanswered > 30 min" for a brand with own accounts.

Reads the needs-reply list of `alerts.response` as of the run's `now`. One alert per brand and UTC
day at most (the day is its window, so re-runs never repeat it); off unless `alerts.unanswered.enabled`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from alerts.detector import DetectContext, Detector, Kind
from alerts.influencer import post_of
from alerts.response import Waiting, response_report
from core.accounts import OwnAccounts
from core.alert import Alert, Detection
from core.strict import StrictModel

LOOKBACK = timedelta(days=2)  # negative posts older than this are history, not a queue to alert on
TOP_POSTS = 5  # the longest-waiting posts an alert carries


class UnansweredRule(StrictModel):
    """`alerts.unanswered`: alert when this many negative posts wait longer than the brand's goal."""

    enabled: bool = False
    min_posts: int = Field(default=10, ge=1, description="Unanswered negative posts past the goal that alert")


class UnansweredDetector(Detector):
    name = "unanswered"
    kinds = {"unanswered": Kind("Unanswered negative posts", details=False)}
    rule_model = UnansweredRule
    late = timedelta(days=1)
    carries_posts = True

    def detect(self, ctx: DetectContext) -> list[Detection]:
        rule: UnansweredRule = self.rule(ctx.config)
        own = OwnAccounts.of(getattr(ctx.brand, "own_accounts", None))
        if not own:
            return []  # no own accounts: nothing can be answered, so nothing is "unanswered"
        goal = int(getattr(ctx.brand, "response_goal_minutes", 30))
        now = ctx.now or ctx.series.start + len(ctx.series) * ctx.step
        report = response_report(ctx.store, ctx.brand.name, own, goal, now - LOOKBACK, now, now=now, keep=TOP_POSTS)
        if report.needs_reply_total < rule.min_posts:
            return []
        alert = unanswered_alert(ctx.brand.name, goal, now, report.needs_reply, rule.min_posts,
                                 total=report.needs_reply_total)
        return [Detection(alert, now, len(ctx.series) - 1)]

    def describe(self, alert: Alert, tz: str = "UTC") -> list[str]:
        return [f"{alert.brand}: {alert.observed:.0f} negative posts {alert.statistic} (the brand's response goal)."]


def unanswered_alert(
    brand: str, goal: int, now: datetime, waiting: list[Waiting], min_posts: int, total: int | None = None
) -> Alert:
    """The alert for `waiting` (alerts.response.Waiting, longest first) as of `now`; `total`: how many wait
    (default `len(waiting)`; more when only the longest waiting were read)."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    count = len(waiting) if total is None else total
    return Alert(
        kind="unanswered",
        brand=brand,
        severity="critical" if count >= 3 * min_posts else "warning",
        window_start=day,
        window_end=day + timedelta(days=1),
        observed=float(count),
        expected=float(min_posts),
        statistic=f"unanswered > {goal} min",
        score=round(count / min_posts, 3),
        top_posts=[post_of(w.mention) for w in waiting[:TOP_POSTS]],
        counted_sentiment="negative",
    )
