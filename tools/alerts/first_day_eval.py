"""The first-day rule (`alerts/first_day.py`) on seeded new brands: how often it fires rightly, wrongly, how late.

Part of `python -m tools.alerts.evaluate` (its JSON's `first_day`, per seed group); alone:
`python -c "from tools.alerts.first_day_eval import evaluate, table; print(table(evaluate([7, 11])))"`.

Each brand is new: its series starts at its first post (`detect_spikes(..., new_brand=True)`, as a `--history`
run or a scheduled run over a brand with nothing stored before), at a random hour of day, and runs
`HOURS` hours, which always covers its whole first day (the rule judges until the first baseline, from the
brand's second UTC midnight on: 24 to 48 hours). Only the rule's own alerts (`detector` "first_day") are
scored; the baseline's, once it exists, are `tools.alerts.evaluate`'s business. Brands come at each of
`VOLUMES` (mean posts an hour; the hour-of-day rhythm, gamma-Poisson noise and jittering 6-25% negative share
of `tools.alerts.evalstreams`), every other one with its labels read by a ~70%-accurate classifier
(`evalstreams.CLASSIFIER_ACCURACY`, which reads an ordinary hour 19-33% negative), in two cases:

- `crisis`: a sudden crisis in the first 24 hours (a third of them from the first post: a manager often adds a
  brand *because* something is happening), planted as `evalstreams` plants one (3-10x the usual negatives at
  its peak, at least 8 extra an hour, decaying over 3-12 hours; with noisy labels its extra posts read 50-55%
  negative). It must alert; every alert outside it is a false one.
- `busy`: a busy spell in the first 24 hours that is not a crisis (a launch, a viral post, news): 3-20x the
  volume for 2-6 hours, its extra posts 0.5-1.5x the brand's usual negative share. Every alert is a false one.

Scored with `alerts.scoring.score` (detected while the crisis runs or one bucket after; time to detect in
buckets from the crisis' material onset, and from its first post).
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import numpy as np

from alerts.config import SpikeRule
from alerts.first_day import FIRST_DAY, FIRST_DAY_MIN_NEGATIVE, FIRST_DAY_MIN_SHARE, FIRST_DAY_SCORE
from alerts.scoring import Fired, Incident, score
from alerts.series import from_counts
from alerts.spike import detect_spikes
from tools.alerts.evalstreams import CLASSIFIER_ACCURACY, EPOCH, _add_crisis, _material_offset, _misread

VOLUMES = (5, 20, 80, 300)  # mean posts an hour over the brand's day: small to very large brands
CASES = ("crisis", "busy")
PER_CELL = 3  # brands per seed, volume and case
HOURS = 49  # the first day lasts at most 48 buckets (a first post at 23:xx: baseline from the second midnight)
EVENT_WITHIN = 24  # events are planted in the first 24 hours, always inside the first day


def make_brand(rng: np.random.Generator, name: str, volume: float, case: str, noisy: bool) -> dict:
    """One new brand's hourly counts from its first post, with its planted event (`case`) labelled."""
    start = EPOCH + timedelta(hours=int(rng.integers(0, 24)))
    hod = (start.hour + np.arange(HOURS)) % 24
    peak = rng.uniform(11, 20)
    rhythm = 1 + rng.uniform(1.5, 4.0) * np.exp(-0.5 * ((hod - peak) / rng.uniform(2.5, 5)) ** 2)
    rate = volume * rhythm / rhythm.mean()
    share = rng.uniform(0.06, 0.25)
    dispersion = rng.uniform(0.02, 0.12)
    total = rng.poisson(rate * rng.gamma(1 / dispersion, dispersion, HOURS)).astype(float)
    total[0] = max(total[0], 1.0)  # the series starts at the brand's first post
    negative = rng.binomial(total.astype(int), np.clip(share * rng.lognormal(0, 0.15, HOURS), 0.01, 0.95))
    rest = total - negative
    positive = rng.binomial(rest.astype(int), rng.uniform(0.3, 0.6)).astype(float)
    counts = [negative.astype(float), rest - positive, positive]
    read_share = share
    if noisy:
        counts = _misread(rng, counts)
        read_share = CLASSIFIER_ACCURACY * share + (1 - CLASSIFIER_ACCURACY) / 2 * (1 - share)
    label: dict = {"kind": case}
    if case == "crisis":
        length = int(rng.integers(3, 13))
        at = 0 if rng.random() < 1 / 3 else int(rng.integers(1, EVENT_WITHIN - length + 1))
        base_neg = rate[at : at + length] * read_share
        peak = np.maximum(rng.uniform(3, 10) * base_neg.mean(), 8.0)
        excess = peak * np.exp(-np.arange(length) / rng.uniform(1.5, 5))
        _add_crisis(rng, counts, at, excess, noisy)
        label["onset"] = at + _material_offset(excess, base_neg, dispersion)
    else:
        length = int(rng.integers(2, 7))
        at = int(rng.integers(0, EVENT_WITHIN - length + 1))
        extra = rng.poisson(rng.uniform(3, 20) * rate[at : at + length]).astype(float)
        neg = rng.binomial(extra.astype(int), min(share * rng.uniform(0.5, 1.5), 1.0)).astype(float)
        burst = [neg, np.round((extra - neg) / 2), extra - neg - np.round((extra - neg) / 2)]
        if noisy:
            burst = _misread(rng, burst)
        for c, b in zip(counts, burst, strict=True):
            c[at : at + length] += b
    label |= {"start": at, "end": at + length}
    negative, neutral, positive = counts
    return {"brand": name, "start": start, "negative": negative, "total": negative + neutral + positive,
            "volume": volume, "case": case, "noisy": noisy, "event": label}


def brands(seed: int) -> list[dict]:
    """Every new brand of one seed: PER_CELL per volume and case, labels alternately exact and noisy."""
    rng = np.random.default_rng([seed, 1])  # not the spike evaluation's streams of the same seed
    out = []
    for volume in VOLUMES:
        for case in CASES:
            for k in range(PER_CELL):
                out.append(make_brand(rng, f"s{seed}-new-{case}-{volume}-{k}", volume, case, k % 2 == 1))
    return out


def _fired(brand: dict, rule: SpikeRule) -> list[Fired]:
    series = from_counts(brand["start"], brand["negative"], brand["total"])
    found = detect_spikes(series, brand["brand"], rule, new_brand=True)
    return [
        Fired(d.alert.brand, d.alert.window_start, d.alert.window_end, d.decided_at, opens=not d.alert.subject)
        for d in found
        if d.alert.kind == "spike" and d.alert.detector == FIRST_DAY
    ]


def _incidents(brand: dict) -> list[Incident]:
    event = brand["event"]
    if event["kind"] != "crisis":
        return []  # a busy spell is no crisis: any alert on the brand is a false one
    at = brand["start"]
    hour = timedelta(hours=1)
    return [Incident(brand["brand"], "sudden", at + event["start"] * hour, at + event["end"] * hour,
                     at + event["onset"] * hour)]


def _cell(group: list[dict], fired: dict[str, list[Fired]]) -> dict:
    """Scores of a group of brands of one case."""
    result = score([f for b in group for f in fired[b["brand"]]], [i for b in group for i in _incidents(b)],
                   timedelta(hours=1), 0.0)
    wrong = [b for b in group if any(f.opens for f in fired[b["brand"]]) and not _only_right(b, fired[b["brand"]])]
    out = {"brands": len(group), "brands_alerted_wrongly": len(wrong), "false_alerts": result.false_alerts}
    if group[0]["case"] == "crisis":
        floor = [b for b in group if _reaches_floor(b)]
        out |= {
            "crises": result.crises,
            "detected": result.detected,
            # Crises with an hour of at least FIRST_DAY_MIN_NEGATIVE negatives, FIRST_DAY_MIN_SHARE of its posts:
            # the rule cannot fire on the others (its share test comes on top).
            "reaching_the_floor": len(floor),
            "detected_of_those": sum(_detected(b, fired[b["brand"]]) for b in floor),
            "recall": _ratio(result.detected, result.crises),
            "recall_within_1_bucket": _ratio(result.detected_within_1, result.crises),
            "mean_time_to_detect_buckets": _mean(result.delays),
            "max_time_to_detect_buckets": max(result.delays, default=None),
            "mean_time_to_detect_buckets_from_start": _mean(result.delays_from_start),
            "alerts": result.alerts,
            "precision": _ratio(result.true_alerts, result.alerts),
        }
    else:
        burst = [b for b in group if any(_on_burst(b, f) for f in fired[b["brand"]] if f.opens)]
        out["brands_alerted_on_the_busy_spell"] = len(burst)
    return out


def _only_right(brand: dict, fired: list[Fired]) -> bool:
    """Every opening alert of a crisis brand overlaps its crisis (as `alerts.scoring` counts a true alert)."""
    incidents = _incidents(brand)
    step = timedelta(hours=1)
    return bool(incidents) and all(
        any(f.start < i.end + step and i.start < f.decided_at for i in incidents) for f in fired if f.opens
    )


def _reaches_floor(brand: dict) -> bool:
    """Whether an hour of the brand's crisis has the negatives and the share the rule needs before its share test."""
    event = brand["event"]
    neg = brand["negative"][event["start"] : event["end"]]
    tot = brand["total"][event["start"] : event["end"]]
    return bool(((neg >= FIRST_DAY_MIN_NEGATIVE) & (neg >= FIRST_DAY_MIN_SHARE * tot)).any())


def _detected(brand: dict, fired: list[Fired]) -> bool:
    """As `alerts.scoring.score` counts a crisis detected: an alert decided while it runs or one bucket after."""
    (crisis,) = _incidents(brand)
    return any(crisis.start < f.decided_at <= crisis.end + timedelta(hours=1) for f in fired)


def _on_burst(brand: dict, f: Fired) -> bool:
    at, hour = brand["start"], timedelta(hours=1)
    event = brand["event"]
    return f.start < at + (event["end"] + 1) * hour and at + event["start"] * hour < f.decided_at


def evaluate(seeds: list[int], rule: SpikeRule | None = None) -> dict:
    """The first-day rule's scores on the new brands of every seed, per volume and case, and over all volumes."""
    started = time.perf_counter()
    scored = score_brands([b for seed in seeds for b in brands(seed)], rule)
    return {
        "seeds": list(seeds),
        "brands_per_seed": len(VOLUMES) * len(CASES) * PER_CELL,
        "hours": HOURS,
        "rule": {"min_negative": FIRST_DAY_MIN_NEGATIVE, "min_share": FIRST_DAY_MIN_SHARE,
                 "min_score": FIRST_DAY_SCORE},
        **scored,
        "seconds": round(time.perf_counter() - started, 2),
    }


def score_brands(every: list[dict], rule: SpikeRule | None = None) -> dict:
    """`all_volumes` and `by_volume` scores of these new brands (`make_brand`'s), each case of them."""
    rule = rule or SpikeRule()
    fired = {b["brand"]: _fired(b, rule) for b in every}
    volumes = sorted({b["volume"] for b in every})
    return {
        "all_volumes": _cases(every, fired),
        "by_volume": {f"{v:g}": _cases([b for b in every if b["volume"] == v], fired) for v in volumes},
    }


def _cases(group: list[dict], fired: dict[str, list[Fired]]) -> dict:
    return {c: _cell([b for b in group if b["case"] == c], fired) for c in CASES if any(b["case"] == c for b in group)}


def table(report: dict) -> str:
    """Markdown table: one row per volume, and one over all."""
    rows = [
        "| posts / hour | crises | alerted | ≤ 1 bucket | mean / max time to detect (buckets) | from first post "
        f"| crises reaching ≥ {FIRST_DAY_MIN_NEGATIVE} negatives at ≥ {FIRST_DAY_MIN_SHARE:.0%}: alerted "
        "| crisis brands with a false alert | busy brands alerted "
        "| of which on the busy spell |",
        "|" + "---|" * 10,
    ]
    for name, cells in [*report["by_volume"].items(), ("all", report["all_volumes"])]:
        c, b = cells["crisis"], cells["busy"]
        mean, worst = c["mean_time_to_detect_buckets"], c["max_time_to_detect_buckets"]
        cols = [name, str(c["crises"]), f"{c['detected']} ({_pct(c['recall'])})", _pct(c["recall_within_1_bucket"])]
        cols += ["n/a" if mean is None else f"{mean:.2f} / {worst}", _num(c["mean_time_to_detect_buckets_from_start"])]
        cols += [f"{c['detected_of_those']} of {c['reaching_the_floor']}"]
        cols += [f"{c['brands_alerted_wrongly']} of {c['brands']}", f"{b['brands_alerted_wrongly']} of {b['brands']}"]
        cols += [str(b["brands_alerted_on_the_busy_spell"])]
        rows.append("| " + " | ".join(cols) + " |")
    return "\n".join(rows)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _mean(values: list[int]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"

