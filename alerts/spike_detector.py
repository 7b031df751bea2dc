"""The negative-spike detector (`alerts.spike`) for the brand as a whole and per source / language."""

from __future__ import annotations

from datetime import datetime, timedelta

from alerts.authors import negative_authors
from alerts.baseline import LEARNING_DAYS, SHARE_PRIOR
from alerts.config import SpikeRule
from alerts.detector import DetectContext, Detector, Kind
from alerts.first_day import FIRST_DAY
from alerts.history_start import is_new_brand
from alerts.spike import detect_spikes
from alerts.wording import expected_for, history_before, learning_history, number, p_text, usual_share, when
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
        # A series from the brand's first data (a whole-history run's always is; a scheduled run's when nothing of
        # the brand is stored before it, alerts/history_start.py) has a first day, judged by `alerts.first_day`.
        new = ctx.now is None or is_new_brand(ctx.store, ctx.brand.name, ctx.series.start)
        found = detect_spikes(ctx.series, ctx.brand.name, ctx.config.spike, new_brand=new,
                              authors=negative_authors(ctx.store, ctx.base))
        if ctx.config.split_by:
            found += _split_spikes(ctx, found, new)
        return found

    def measured(self, alert: Alert) -> list[tuple[str, str]]:
        """A first-day alert's rows: its counts and its share test, no expected count (there is none yet)."""
        if alert.detector != FIRST_DAY:
            return super().measured(alert)
        if alert.kind == "all_clear":
            return [("Negative mentions", f"{number(alert.observed)} in the episode (no usual level yet)")]
        return [
            ("Negative / all posts", f"{number(alert.observed)} / {number(alert.total or 0)}"),
            ("Test", f"first-day share test, p = {p_text(alert.p_value)}"),
        ]

    def title(self, alert: Alert) -> str:
        if alert.kind == "spike" and alert.subject and alert.subject.startswith("escalation"):
            return "Negative spike still growing"
        if alert.kind == "spike" and alert.subject and alert.subject.startswith("surge"):
            return "New negative surge"
        return super().title(alert)

    def describe(self, alert: Alert, tz: str = "UTC") -> list[str]:
        a = alert
        if a.detector == FIRST_DAY:
            return _first_day_describe(a, tz)
        if a.kind == "all_clear":
            return [
                f"All clear for {a.brand}: the negative spike of {when(a, tz)} has ended "
                f"({a.observed:.0f} negative mentions in all vs {number(a.expected)} expected)."
            ]
        ratio = a.observed / a.expected if a.expected else float("inf")
        subject = a.subject or ""
        lead = {"escalation": "Still growing: ", "surge": "New surge after a lull: "}.get(subject.split("-")[0], "")
        test = _DRIFT_TESTS.get(a.detector or "", f"{a.statistic.replace('_', ' ')} test")
        if a.baseline_days is not None and a.baseline_days < LEARNING_DAYS:
            # A multiple of a rate learnt from a day or two reads as precise and is not.
            parts = [
                f"{lead}{a.brand} (learning: {history_before(a, tz)}): {a.observed:.0f} negative "
                f"mentions during {when(a, tz)}, more than its own short history suggests ({test} with the baseline's "
                f"uncertainty widened, p = {p_text(a.p_value)}); too little history yet to say how unusual."
            ]
        else:
            parts = [
                f"{lead}{a.brand}: {a.observed:.0f} negative mentions during {when(a, tz)}, {number(ratio)}× the "
                f"{number(a.expected)} expected {expected_for(a)} ({test}, p = {p_text(a.p_value)})."
            ]
        if a.negative_share is not None:
            parts.append(f"Negative share {a.negative_share:.0%}{usual_share(a, history_said=True)}.")
        return parts


def _first_day_describe(a: Alert, tz: str) -> list[str]:
    """A first-day alert's sentences (`alerts.first_day`): the brand is new, the counts and the share, and never an
    expected count or a ratio."""
    if a.kind == "all_clear":
        return [
            f"All clear for {a.brand}: the negative spike of {when(a, tz)} has ended ({a.observed:.0f} negative "
            "mentions in all; it opened while the brand was new, with no usual level to compare them with)."
        ]
    leads = {"escalation": "Still growing: ", "surge": "New surge after a lull: "}
    lead = leads.get((a.subject or "").split("-")[0], "")
    share = a.negative_share or 0.0
    # An escalation's share is tested against the share known before its episode (alerts/spike.py `_first_day`),
    # not against the episode's own first hours.
    before = "the episode" if lead else "it"
    known = (
        f", well above the {a.expected_share:.0%} known before {before} (its earlier posts with a {SHARE_PRIOR:.0%} "
        f"prior, p = {p_text(a.p_value)})"
        if a.expected_share is not None
        else f" (p = {p_text(a.p_value)} against a {SHARE_PRIOR:.0%} prior; too few posts before {before} to know "
        "its own share)"
    )
    return [
        f"{lead}{a.brand} (learning: {learning_history(a)}, no usual level yet): {a.observed:.0f} negative mentions "
        f"during {when(a, tz)}, {share:.0%} of its {a.total} posts{known}.",
        "Flagged because so many posts are negative at once; how unusual that is for this brand cannot be said yet.",
    ]


def _split_spikes(ctx: DetectContext, brand_level: list[Detection], new: bool = False) -> list[Detection]:
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
            found = detect_spikes(part, ctx.brand.name, config.spike, scope={dim: value}, new_brand=new,
                                  authors=negative_authors(ctx.store, ctx.base.replace(**{dim: value})))
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
