"""The negative-spike detector (`alerts.spike`) for the brand as a whole and per source / language."""

from __future__ import annotations

from datetime import datetime, timedelta

from alerts.baseline import LEARNING_DAYS
from alerts.config import SpikeRule
from alerts.detector import DetectContext, Detector, Kind
from alerts.spike import detect_spikes
from alerts.wording import expected_for, p_text, when
from core.alert import Alert, Detection

_DRIFT_TESTS = {"cusum": "a CUSUM drift test", "ewma": "an EWMA drift test"}


class SpikeDetector(Detector):
    """Spike episodes: a 'spike' opens one (and escalates it), an 'all_clear' ends it."""

    name = "spike"
    kinds = {
        "spike": Kind("Negative spike", major=True, crisis=True),
        "all_clear": Kind("All clear", major=True, closes=True, details=False),
    }
    rule_model = SpikeRule

    def detect(self, ctx: DetectContext) -> list[Detection]:
        found = detect_spikes(ctx.series, ctx.brand.name, ctx.config.spike)
        if ctx.config.split_by:
            found += _split_spikes(ctx, found)
        return found

    def title(self, alert: Alert) -> str:
        if alert.kind == "spike" and alert.subject and alert.subject.startswith("escalation"):
            return "Negative spike still growing"
        if alert.kind == "spike" and alert.subject and alert.subject.startswith("surge"):
            return "New negative surge"
        return super().title(alert)

    def describe(self, alert: Alert, tz: str = "UTC") -> list[str]:
        a = alert
        if a.kind == "all_clear":
            return [
                f"All clear for {a.brand}: the negative spike of {when(a, tz)} has ended "
                f"({a.observed:.0f} negative mentions in all vs {a.expected:.0f} expected)."
            ]
        ratio = a.observed / a.expected if a.expected else float("inf")
        subject = a.subject or ""
        lead = {"escalation": "Still growing: ", "surge": "New surge after a lull: "}.get(subject.split("-")[0], "")
        test = _DRIFT_TESTS.get(a.detector or "", f"{a.statistic.replace('_', ' ')} test")
        if a.baseline_days is not None and a.baseline_days < LEARNING_DAYS:
            # A multiple of a rate learnt from a day or two reads as precise and is not.
            parts = [
                f"{lead}{a.brand} (learning: {a.baseline_days:g} days of history): {a.observed:.0f} negative "
                f"mentions during {when(a, tz)}, more than its own short history suggests ({test} with the baseline's "
                f"uncertainty widened, p = {p_text(a.p_value)}); too little history yet to say how unusual."
            ]
        else:
            parts = [
                f"{lead}{a.brand}: {a.observed:.0f} negative mentions during {when(a, tz)}, {ratio:.1f}× the "
                f"{a.expected:.1f} expected {expected_for(a)} ({test}, p = {p_text(a.p_value)})."
            ]
        if a.negative_share is not None and a.expected_share is not None:
            parts.append(f"Negative share {a.negative_share:.0%} vs {a.expected_share:.0%} usually.")
        return parts


def _split_spikes(ctx: DetectContext, brand_level: list[Detection]) -> list[Detection]:
    """Spike alerts per source / language, kept only where the brand as a whole raised none."""
    config = ctx.config
    end = ctx.series.start + len(ctx.series) * ctx.step
    out: list[Detection] = []
    total = sum(ctx.store.facet(ctx.base, "source").values()) or 1
    for dim in config.split_by:
        for value, count in ctx.store.facet(ctx.base, dim).items():
            if value == "unknown" or count / total < config.split_min_share:
                continue
            part = ctx.counts(ctx.base.replace(**{dim: value}))
            found = detect_spikes(part, ctx.brand.name, config.spike, scope={dim: value})
            out += uncovered(brand_level, found, ctx.step, end)
    return out


def uncovered(brand_level: list[Detection], part: list[Detection], step: timedelta, end: datetime) -> list[Detection]:
    """A slice's episodes (alerts of `part`) that no brand-level episode already covers.

    A crisis in one language community can be invisible in the brand's totals; when the
    brand-level detector already fired, the slices would only repeat it. `end` is the end of the data.
    """
    busy: list[tuple[datetime, datetime]] = []
    opened: dict[str | None, datetime] = {}
    for d in brand_level:
        if d.alert.kind == "spike" and not d.alert.subject:
            opened[d.alert.id] = d.alert.window_start
        elif d.alert.kind == "all_clear":
            busy.append((d.alert.window_start, d.decided_at))
            opened.pop(d.alert.episode_id, None)
    busy += [(start, end) for start in opened.values()]  # still open at the end of the data
    out: list[Detection] = []
    dropped: set[str | None] = set()
    for d in part:
        opens = d.alert.kind == "spike" and not d.alert.subject
        if opens and any(a <= d.decided_at - step < b for a, b in busy):
            dropped.add(d.alert.episode_id)  # the brand-level alert already covers it
        if d.alert.episode_id not in dropped:
            out.append(d)
    return out
