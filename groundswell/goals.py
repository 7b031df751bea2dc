"""Per-brand goals (`brands[].goals`) and whether a period met them."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from core.strict import StrictModel


class Goals(StrictModel):
    """Targets a manager sets for a brand; each one left out is not judged."""

    max_negative_share: float | None = Field(default=None, ge=0, le=1, description="e.g. 0.25")
    min_share_of_voice: float | None = Field(default=None, ge=0, le=1, description="e.g. 0.3")
    max_median_response_minutes: float | None = Field(default=None, gt=0, description="e.g. 30")


# goal field -> (figure it judges, "max" or "min", words)
_GOALS = {
    "max_negative_share": ("negative_share", "max", "negative share"),
    "min_share_of_voice": ("share_of_voice", "min", "share of voice"),
    "max_median_response_minutes": ("median_response_minutes", "max", "median response time (min)"),
}


def judge(goals: Goals | None, figures: dict[str, Any], why_none: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One row per set goal: {goal, target, figure, status} with status 'met', 'missed' or 'no data'; a 'no data' row
    carries `reason` from `why_none` (figure -> why it is None: 'too few mentions to judge (4)') when it says.
    A figure is None when it rests on too few mentions (period_report.MIN_SHARE_POSTS), so no goal is met or
    missed on a handful of posts."""
    rows = []
    for field, (figure, direction, words) in _GOALS.items():
        target = getattr(goals, field) if goals else None
        if target is None:
            continue
        value = figures.get(figure)
        if value is None:
            status = "no data"
        elif direction == "max":
            status = "met" if value <= target else "missed"
        else:
            status = "met" if value >= target else "missed"
        row = {"goal": words, "direction": direction, "target": target, "figure": value, "status": status}
        if value is None and why_none and figure in why_none:
            row["reason"] = why_none[figure]
        rows.append(row)
    return rows
