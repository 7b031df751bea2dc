"""Our own replies on the dashboard: the overview tile and the "needs reply" queue (alerts.response)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alerts.response import DayStats, response_report
from core.accounts import OwnAccounts
from dashboards.web.params import Period
from dashboards.web.serialize import mention_json
from indexing.base import Store


@dataclass(frozen=True)
class ReplySettings:
    """A brand's own accounts and response goal, as its config says."""

    own: OwnAccounts
    goal_minutes: int = 30


def reply_settings(config_or_brands: Any) -> dict[str, ReplySettings]:
    """Brand name -> its settings, for every brand config that names own accounts (plain names have none)."""
    items: Iterable[Any] = getattr(config_or_brands, "brands", config_or_brands)
    out = {}
    for item in items:
        own = OwnAccounts.of(getattr(item, "own_accounts", None))
        if own:
            out[item.name] = ReplySettings(own, int(getattr(item, "response_goal_minutes", 30)))
    return out


def _stats_json(stats: DayStats) -> dict[str, Any]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "posts": stats.posts,
        "answered": stats.answered,
        "answered_share": stats.share,
        "median_minutes": rounded(stats.median_minutes),
        "p90_minutes": rounded(stats.p90_minutes),
    }


def replies(
    store: Store, brand: str, settings: ReplySettings | None, period: Period, now: datetime, limit: int = 50
) -> dict[str, Any]:
    """Answered share, median/p90 time to first own reply (overall and per day) and the longest-waiting
    negative posts of `brand`'s customer posts in `period`, as of `now`."""
    base = {"brand": brand, "period": {"since": period.since.isoformat(), "until": period.until.isoformat()}}
    if settings is None:
        return {
            **base,
            "configured": False,
            "goal_minutes": None,
            "overall": None,
            "days": [],
            "needs_reply_total": 0,
            "needs_reply": [],
        }
    report = response_report(
        store, brand, settings.own, settings.goal_minutes, period.since, period.until, now, keep=limit
    )
    return {
        **base,
        "configured": True,
        "goal_minutes": settings.goal_minutes,
        "overall": {**_stats_json(report.overall), "within_goal": report.within_goal},
        "days": [{"day": d.day.isoformat(), **_stats_json(d)} for d in report.days if d.day],
        "needs_reply_total": report.needs_reply_total,
        "needs_reply": [
            {**mention_json(w.mention), "waited_minutes": round(w.minutes)} for w in report.needs_reply[:limit]
        ],
    }
