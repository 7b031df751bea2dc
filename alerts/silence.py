"""Silent sources (opt-in): a source that usually brings a brand's mentions has brought none for hours.

Monitoring that stops collecting looks like a quiet day. A token that expired, an API that changed,
a query the platform no longer answers: the crisis detectors then see no crisis because they see
nothing, and a manager trusts the silence. This detector says when the silence itself is improbable.

For each source that brought the brand's mentions, it walks that source's count series and follows
every run of empty buckets. The run's expected count is the sum, over its buckets, of the source's
mean count at the same hour of day over the `baseline_days` before the run, from the source's first
post on (a source quiet every night is not silent at night; one younger than a day is not judged). A
source the config no longer collects for the brand is not judged (`DetectContext.collected_sources`).
Zero posts where μ were expected has probability e^-μ (Poisson). One alert per run: at the first bucket
where μ reaches `min_expected` (10: p = 4.5e-5) and the run is at least `min_hours` long; critical from
5 × `min_expected`.
A bucket still running counts for the part of it already past (`CountSeries.coverage`), in μ and in
the silence's length: a run at 09:05 has seen 1 h 5 min of a silence that began at 08:00, not 2 h, and
the alert's window ends at the run's time. Its alerts are their own thread (`Kind.thread`): a broken
feed never joins, opens or closes a crisis incident.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
from pydantic import Field

from alerts.config import AlertsConfig
from alerts.detector import DetectContext, Detector, Kind
from alerts.series import CountSeries
from alerts.wording import moment
from core.alert import Alert, Detection
from core.strict import StrictModel
from indexing.base import Filters


class SilenceRule(StrictModel):
    """`alerts.silence`: alert when a source's usual mentions of a brand stop arriving."""

    enabled: bool = False
    min_expected: float = Field(
        default=10.0, gt=0, le=10_000, description="Posts the silent hours would usually bring before it alerts"
    )
    min_hours: float = Field(default=2.0, gt=0, le=24 * 14, description="The shortest silence that alerts")
    baseline_days: int = Field(default=7, ge=1, le=60, description="Days before a silence its usual counts come from")


class SilenceDetector(Detector):
    name = "silence"
    kinds = {"silence": Kind("Source silent", details=False, thread="monitoring")}
    rule_model = SilenceRule

    def reads_sentiment(self, config: AlertsConfig) -> bool:
        return False  # volume only

    def detect(self, ctx: DetectContext) -> list[Detection]:
        rule: SilenceRule = self.rule(ctx.config)
        if ctx.interval == "day":
            return []  # hour-of-day baselines need hourly buckets; a day-bucket brand is checked a day late anyway
        out: list[Detection] = []
        for source in sorted(ctx.store.facet(ctx.base, "source")):
            if source == "unknown":
                continue
            if ctx.collected_sources is not None and source not in ctx.collected_sources:
                continue  # removed from the config, or narrowed to other brands: its silence is expected
            series = ctx.counts(ctx.base.replace(source=source))
            out += [Detection(a, a.window_end, i) for a, i in silences(series, ctx.brand.name, source, rule)]
        return out

    def filters(self, alert: Alert, base: Filters) -> Filters:
        return base.replace(source=alert.source)  # that source's posts (none in the window: that is the alert)

    def describe(self, alert: Alert, tz: str = "UTC") -> list[str]:
        return [
            f"{alert.brand}: no mentions from {alert.source} for {duration(alert.window_end - alert.window_start)} "
            f"(since {moment(alert.window_start, tz)}), where "
            f"{alert.expected:.0f} were expected at those hours (Poisson p = {alert.p_value:.1e}).",
            f"Collection from {alert.source} may have stopped (an expired token, a changed API, a query that no "
            f"longer matches): check the collect step's log for it, or `groundswell collect --source "
            f"{alert.source}`. Until it is back, no alert can see what is said there.",
        ]


def silences(series: CountSeries, brand: str, source: str, rule: SilenceRule) -> list[tuple[Alert, int]]:
    """Every improbable run of empty buckets in `source`'s series, as (alert, deciding bucket)."""
    per_day = 24  # hourly buckets (the detector skips day buckets)
    span = rule.baseline_days * per_day
    hours = series.hour_of_day()
    total = series.total
    seen = np.flatnonzero(total)
    if not len(seen):
        return []
    first_post = int(seen[0])  # the source's history starts with its first post, not with the series
    out: list[tuple[Alert, int]] = []
    run_start: int | None = None
    usual: np.ndarray | None = None
    expected = 0.0
    fired = False
    for i in range(len(series)):
        if total[i] > 0:
            run_start, expected, fired = None, 0.0, False
            continue
        if run_start is None:
            run_start, expected, fired = i, 0.0, False
            usual = usual_by_hour(total, hours, max(first_post, i - span), i, per_day)
        if usual is None or fired:
            continue
        expected += float(usual[hours[i]]) * float(series.coverage[i])
        # Up to the run's time, not the end of a bucket still running (which lies in the future).
        start, end = series.time(run_start), series.time(i) + series.step * float(series.coverage[i])
        if expected >= rule.min_expected and end - start >= timedelta(hours=rule.min_hours):
            fired = True
            alert = Alert(
                kind="silence",
                brand=brand,
                source=source,
                severity="critical" if expected >= 5 * rule.min_expected else "warning",
                window_start=start,
                window_end=end,
                observed=0.0,
                expected=round(expected, 3),
                statistic="poisson_zero",
                score=round(expected / math.log(10), 3),  # -log10 p
                p_value=math.exp(-expected),
                total=0,
            )
            out.append((alert, i))
    return out


def duration(length: timedelta) -> str:
    """A silence's length for people, to the minute: '2 h', '2 h 5 min', '45 min'."""
    minutes = round(length / timedelta(minutes=1))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def usual_by_hour(total: np.ndarray, hours: np.ndarray, first: int, run_start: int, per_day: int) -> np.ndarray | None:
    """The mean count at each hour of day over buckets [first, run_start); None without a whole day of
    history, or when the source brought nothing then (a new or long-gone source is not 'silent')."""
    if run_start - first < per_day or total[first:run_start].sum() == 0:
        return None
    sums = np.bincount(hours[first:run_start], weights=total[first:run_start], minlength=24)
    seen = np.bincount(hours[first:run_start], minlength=24)
    return np.divide(sums, seen, out=np.zeros(24), where=seen > 0)
