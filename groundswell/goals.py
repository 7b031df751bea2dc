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


def judge(goals: Goals | None, figures: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per set goal: {goal, target, figure, status} with status 'met', 'missed' or 'no data'."""
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
        rows.append({"goal": words, "direction": direction, "target": target, "figure": value, "status": status})
    return rows
