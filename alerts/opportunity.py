"""Positive opportunity alerts (opt-in): an unusual rise in positive talk about the brand, or in
positive talk about one of its themes — a moment worth amplifying, not a crisis.

The statistics are the spike detector's, not a copy: `alerts.spike.detect_spikes` runs on a
series whose counted posts are the positive ones (per theme: the positive ones carrying the
theme) against all of the brand's posts. So a bucket fires only when the positive *count* is
improbable for its hour of day and weekday (negative binomial around the seasonal baseline) and
the positive *share* is improbably high too; a crisis (volume up, positive share down) or a quiet
day never fires. Only an episode's opening alert is kept, at severity info. The themes watched are
top-level ones (alerts/theme_tree.py): an aspect never gets an alert of its own beside its parent's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Literal

from pydantic import Field

from alerts.config import Preset, SpikeRule
from alerts.detector import DetectContext, Detector, Kind
from alerts.series import CountSeries
from alerts.spike import detect_spikes
from alerts.theme_tree import top_themes
from alerts.wording import expected_for, number, p_text, usual_share, when
from core.alert import Alert, Detection
from core.strict import StrictModel
from indexing.base import Filters


class OpportunityRule(StrictModel):
    """`alerts.opportunity`: off unless `enabled: true`."""

    enabled: bool = False
    preset: Preset = "balanced"
    min_positive: int | None = Field(default=None, ge=1, description="Fewer positives in a bucket never alert")
    threshold: float | None = Field(default=None, gt=0, description="Count test, -log10 p (default: the preset's)")
    share_threshold: float | None = Field(default=None, gt=0, description="Share test, -log10 p")
    min_share_ratio: float | None = Field(default=None, ge=1.0, description="Positive share vs its baseline")
    themes: int = Field(default=5, ge=0, le=50, description="Also watch the brand's N most positive themes (0: off)")
    # Off by default: an opportunity is not urgent, and the crisis presets' slow detector is tuned
    # to catch a crisis early at the price of some noise (docs/alerts.md, evaluation).
    slow: Literal["off", "cusum", "ewma"] = Field(default="off", description="Slow-rise detector")


class OpportunityDetector(Detector):
    """Positive surges of the brand and of its most positive themes."""

    name = "opportunity"
    kinds = {"opportunity": Kind("Positive opportunity", thread="opportunity")}
    rule_model = OpportunityRule

    def detect(self, ctx: DetectContext) -> list[Detection]:
        rule: OpportunityRule = self.rule(ctx.config)
        spike = _spike_rule(rule, ctx.config.spike)
        positive = ctx.base.replace(sentiment="positive")
        found, busy = _opportunities(ctx, _counted(ctx, positive), spike, None)
        if rule.themes:
            # Top-level themes only (alerts/theme_tree.py): an aspect's posts carry its parent's label,
            # so its rise is its parent's, told once, with the aspect in the explanation.
            for t in top_themes(ctx.store, positive, n=rule.themes):
                theme, _ = _opportunities(ctx, _counted(ctx, positive.replace(theme=t.theme)), spike, t.theme)
                # While the brand-wide rise lasts it tells of this moment; the theme is in its explanation.
                found += [d for d in theme if not any(a <= d.decided_at - ctx.step < b for a, b in busy)]
        return found

    def filters(self, alert: Alert, base: Filters) -> Filters:
        """The window's positive posts (about the theme, for a theme's alert)."""
        return base.replace(sentiment="positive", theme=alert.subject)

    def title(self, alert: Alert) -> str:
        return "Positive opportunity" + (f" “{alert.subject}”" if alert.subject else "")

    def describe(self, alert: Alert, tz: str = "UTC") -> list[str]:
        a = alert
        about = f" about “{a.subject}”" if a.subject else ""
        ratio = a.observed / a.expected if a.expected else float("inf")
        parts = [
            f"{a.brand}: {a.observed:.0f} positive mentions{about} during {when(a, tz)}, {number(ratio)}× the "
            f"{number(a.expected)} expected {expected_for(a)} (p = {p_text(a.p_value)})."
        ]
        if a.negative_share is not None:
            parts.append(f"Positive share {a.negative_share:.0%}{usual_share(a, tz=tz)}.")
        return parts


def _spike_rule(rule: OpportunityRule, spike: SpikeRule) -> SpikeRule:
    """The spike detector's rule for positive counts: the same bucket and baseline days as spikes."""
    return SpikeRule(
        preset=rule.preset,
        bucket=spike.bucket,
        baseline_days=spike.baseline_days,
        min_negative=rule.min_positive,
        threshold=rule.threshold,
        share_threshold=rule.share_threshold,
        min_share_ratio=rule.min_share_ratio,
        slow=rule.slow,
    )


def _counted(ctx: DetectContext, filters: Filters) -> CountSeries:
    """A series whose counted posts (`negative`, as the spike statistics read it) are `filters`'
    posts, out of all the brand's posts (`total`), on the brand's time axis."""
    part = ctx.counts(filters)
    return replace(ctx.series, negative=part.total.copy())


def _opportunities(
    ctx: DetectContext, series: CountSeries, rule: SpikeRule, theme: str | None
) -> tuple[list[Detection], list[tuple[datetime, datetime]]]:
    """Each positive episode's opening alert as an opportunity, and the episodes' spans (start,
    end of the bucket that closed them; still open: the series' end)."""
    out: list[Detection] = []
    spans: dict[str | None, tuple[datetime, datetime]] = {}
    end = series.start + len(series) * series.step
    for d in detect_spikes(series, ctx.brand.name, rule):
        a = d.alert
        if a.kind == "all_clear":
            spans[a.episode_id] = (spans.get(a.episode_id, (a.window_start, end))[0], d.decided_at)
        elif not a.subject:  # escalations: one message per moment of good news
            spans[a.episode_id] = (a.window_start, end)
            out.append(Detection(_as_opportunity(a, theme), d.decided_at, d.bucket))
    return out, list(spans.values())


def _as_opportunity(a: Alert, theme: str | None) -> Alert:
    """The spike statistics' alert as an opportunity (a new id: kind and theme are part of it)."""
    changed = {"id", "kind", "severity", "subject", "episode_id", "incident_id", "counted_sentiment"}
    alert = Alert(**a.model_dump(exclude=changed), kind="opportunity", severity="info", subject=theme,
                  counted_sentiment="positive")  # fmt: skip
    alert.episode_id = alert.id
    return alert
