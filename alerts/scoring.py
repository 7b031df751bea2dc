"""Score alerts against labelled incidents: precision, recall, time to detect, false alerts.

Shared by `groundswell alerts backtest --incidents` and `python -m tools.alerts.evaluate`.

- A crisis (label kind "sudden", "slow", or any kind not listed in NOT_CRISES) is *detected*
  by the first spike alert of an episode decided while it runs (or up to `grace` buckets after).
  Time to detect counts buckets from the onset bucket to the deciding bucket: 0 means the
  alert went out at the end of the very bucket the crisis began in. A label may carry an
  `onset` later than its `start`: the hour a slow-building crisis becomes material (see
  `tools.alerts.evalstreams`). Time to detect then counts from `onset` (an alert before it counts
  as 0), and the same figures counted from `start` are reported beside it (`*_from_start`).
- Each brand is counted in its own bucket (`brand_steps`: `brands[].alerts.spike.bucket`), so with brands on
  hour and day buckets the `*_buckets` figures add hours to days. The time to detect is therefore also given in
  hours (`*_hours`), the one unit that holds across brands: the hours from the onset (or start) to the moment the
  first alert was decided (`decided_at`), 0 for an alert decided before it.
- An episode-opening spike alert that overlaps no crisis is a *false alert*; one overlapping a
  "viral_positive" label is also counted as a viral false alert (the must-not-happen case).
- Escalations (which can detect a crisis that starts inside an open episode) and all-clears
  are not counted as separate alerts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Labelled events that must not alert: a viral positive burst, a holiday, an ad people argue
# about (more volume, a little more negative), a collector outage and the backlog after it.
NOT_CRISES = {"viral_positive", "holiday", "controversial_ad", "outage"}
HOUR = timedelta(hours=1)


@dataclass
class Incident:
    brand: str
    kind: str
    start: datetime
    end: datetime
    onset: datetime | None = None  # when it became material; None = at start

    @property
    def is_crisis(self) -> bool:
        return self.kind not in NOT_CRISES


@dataclass
class Fired:
    """The part of an alert scoring needs."""

    brand: str
    start: datetime
    end: datetime
    decided_at: datetime
    opens: bool = True  # False for an escalation: it can detect a crisis but is not a new alert


@dataclass
class Score:
    crises: int = 0
    detected: int = 0
    detected_within_1: int = 0
    detected_within_1_from_start: int = 0
    alerts: int = 0
    true_alerts: int = 0
    false_alerts: int = 0
    viral_alerts: int = 0
    viral_bursts: int = 0  # labelled viral positive bursts, what viral_alerts is out of
    # Per kind of labelled non-crisis (controversial ad, outage, ...): how many, and false alerts on them.
    quiet_events: dict[str, int] = field(default_factory=dict)
    quiet_alerts: dict[str, int] = field(default_factory=dict)
    brand_weeks: float = 0.0
    delays: list[int] = field(default_factory=list)
    delays_from_start: list[int] = field(default_factory=list)
    hours: list[float] = field(default_factory=list)  # the same delays in hours: one unit whatever the buckets
    hours_from_start: list[float] = field(default_factory=list)
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        mean_delay = sum(self.delays) / len(self.delays) if self.delays else None
        mean_from_start = sum(self.delays_from_start) / len(self.delays_from_start) if self.delays_from_start else None
        return {
            "crises": self.crises,
            "detected": self.detected,
            "recall": _ratio(self.detected, self.crises),
            "recall_within_1_bucket": _ratio(self.detected_within_1, self.crises),
            "mean_time_to_detect_buckets": None if mean_delay is None else round(mean_delay, 2),
            "recall_within_1_bucket_from_start": _ratio(self.detected_within_1_from_start, self.crises),
            "mean_time_to_detect_buckets_from_start": None if mean_from_start is None else round(mean_from_start, 2),
            "mean_time_to_detect_hours": _mean(self.hours),
            "mean_time_to_detect_hours_from_start": _mean(self.hours_from_start),
            "alerts": self.alerts,
            "precision": _ratio(self.true_alerts, self.alerts),
            "false_alerts": self.false_alerts,
            "false_alerts_per_brand_week": round(self.false_alerts / self.brand_weeks, 3) if self.brand_weeks else None,
            "viral_positive_alerts": self.viral_alerts,
            "viral_positive_bursts": self.viral_bursts,
            "false_alerts_on": {
                k: {"events": n, "alerts": self.quiet_alerts.get(k, 0)} for k, n in sorted(self.quiet_events.items())
            },
            "brand_weeks": round(self.brand_weeks, 2),
            "by_kind": {k: {f: v for f, v in d.items() if not f.startswith("_")} for k, d in self.by_kind.items()},
        }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def score(
    fired: Iterable[Fired],
    incidents: Iterable[Incident],
    step: timedelta,
    brand_weeks: float,
    grace: int = 1,
    brand_steps: Mapping[str, timedelta] | None = None,
) -> Score:
    """Precision, recall and time to detect of `fired` against `incidents`, in buckets of `step` and in hours;
    `brand_steps`: a brand whose own rules use another bucket (`brands[].alerts.spike.bucket`) is scored in its own
    (its `*_buckets` figures count its buckets; the `*_hours` ones are hours for every brand)."""
    steps = brand_steps or {}
    fired = list(fired)
    incidents = list(incidents)
    result = Score(brand_weeks=brand_weeks)
    crises = [c for c in incidents if c.is_crisis]
    result.crises = len(crises)
    result.viral_bursts = sum(1 for i in incidents if i.kind == "viral_positive")
    for i in incidents:
        if not i.is_crisis:
            result.quiet_events[i.kind] = result.quiet_events.get(i.kind, 0) + 1
    for crisis in crises:
        step_of = steps.get(crisis.brand, step)
        kind = result.by_kind.setdefault(
            crisis.kind,
            {"crises": 0, "detected": 0, "within_1": 0, "within_1_from_start": 0, "mean_time_to_detect_buckets": None,
             "mean_time_to_detect_hours": None},
        )
        kind["crises"] += 1
        hits = [
            f for f in fired if f.brand == crisis.brand and crisis.start < f.decided_at <= crisis.end + grace * step_of
        ]
        if not hits:
            continue
        first = min(hits, key=lambda f: f.decided_at)
        delay = max(round((first.decided_at - (crisis.onset or crisis.start)) / step_of) - 1, 0)
        from_start = max(round((first.decided_at - crisis.start) / step_of) - 1, 0)
        result.detected += 1
        kind["detected"] += 1
        result.delays.append(delay)
        result.delays_from_start.append(from_start)
        hours = max((first.decided_at - (crisis.onset or crisis.start)) / HOUR, 0.0)
        result.hours.append(hours)
        result.hours_from_start.append(max((first.decided_at - crisis.start) / HOUR, 0.0))
        kind.setdefault("_delays", []).append(delay)
        kind["mean_time_to_detect_buckets"] = round(sum(kind["_delays"]) / len(kind["_delays"]), 2)
        kind.setdefault("_hours", []).append(hours)
        kind["mean_time_to_detect_hours"] = _mean(kind["_hours"])
        if delay <= 1:
            result.detected_within_1 += 1
            kind["within_1"] += 1
        if from_start <= 1:
            result.detected_within_1_from_start += 1
            kind["within_1_from_start"] += 1
    for f in fired:
        if not f.opens:
            continue
        result.alerts += 1
        step_of = steps.get(f.brand, step)
        overlaps = [i for i in incidents if i.brand == f.brand and f.start < i.end + step_of and i.start < f.decided_at]
        if any(i.is_crisis for i in overlaps):
            result.true_alerts += 1
        else:
            result.false_alerts += 1
            if any(i.kind == "viral_positive" for i in overlaps):
                result.viral_alerts += 1
            for kind in {i.kind for i in overlaps}:
                result.quiet_alerts[kind] = result.quiet_alerts.get(kind, 0) + 1
    return result
