"""Estimates with 95% intervals from a stratified random sample: the arithmetic of a sentiment audit.

A stratum (a language) of `population` mentions is sampled without replacement; each labelled row of it
stands for population / labelled mentions. Proportions within one stratum get Wilson's interval (it stays
honest at 30 of 30 correct, where a normal interval collapses to a point). Population-wide proportions
are the strata's proportions weighted by their sizes, with the stratified variance (finite-population
corrected) turned into an effective sample size for Wilson's interval (Kish; with one stratum this is
Wilson's interval with the finite-population correction). Figures that are no plain proportion
(macro-F1, accuracy among the uncertain rows) take a stratified bootstrap's percentile interval.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A proportion (0..1) with its 95% interval; `n` is how many labelled rows it rests on."""

    value: float
    low: float
    high: float
    n: int

    def as_percent(self) -> dict[str, float | int]:
        return {"value": round(100 * self.value, 1), "low": round(100 * self.low, 1),
                "high": round(100 * self.high, 1), "n": self.n}


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for successes out of n (n may be an effective, fractional size)."""
    if n <= 0:
        return 0.0, 1.0
    p = min(1.0, max(0.0, successes / n))
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion(successes: int, n: int, population: int | None = None) -> Estimate:
    """One stratum's proportion with Wilson's interval (finite-population corrected when `population` is known)."""
    if n == 0:
        return Estimate(0.0, 0.0, 1.0, 0)
    if population is not None and n >= population:  # the whole stratum was labelled: known exactly
        return Estimate(successes / n, successes / n, successes / n, n)
    effective = n / (1 - n / population) if population else n
    low, high = wilson(successes * effective / n, effective)
    return Estimate(successes / n, low, high, n)


@dataclass(frozen=True)
class StratumCount:
    """One stratum's part of a population-wide proportion: `successes` of `n` labelled rows, `population` in all."""

    successes: int
    n: int
    population: int


def stratified_proportion(strata: Sequence[StratumCount]) -> Estimate:
    """The population-wide proportion over strata (each weighted by its population) with a 95% interval.

    Strata with no labelled row are left out of the weights: the estimate then covers the labelled strata
    only, which the caller says."""
    used = [s for s in strata if s.n > 0]
    total = sum(s.population for s in used)
    n = sum(s.n for s in used)
    if not used or total == 0:
        return Estimate(0.0, 0.0, 1.0, 0)
    value = sum(s.population / total * s.successes / s.n for s in used)
    variance = 0.0
    for s in used:
        weight = s.population / total
        p = s.successes / s.n
        fpc = max(0.0, 1 - s.n / s.population) if s.population else 0.0
        # p(1-p)/(n-1) is unbiased for a sample without replacement; a stratum at 0% or 100% would add
        # nothing and make the interval a point, so it counts as half a success away from the edge.
        if p in (0.0, 1.0):
            p = (s.successes + 0.5) / (s.n + 1)
        variance += weight * weight * fpc * p * (1 - p) / max(1, s.n - 1)
    if variance == 0:  # every stratum labelled in full: known exactly
        return Estimate(value, value, value, n)
    effective = value * (1 - value) / variance if 0 < value < 1 else n / max(1e-9, 1 - n / total)
    low, high = wilson(value * effective, effective)
    return Estimate(value, low, high, n)


def bootstrap_interval(
    strata: dict[str, list[object]],
    statistic: Callable[[dict[str, list[object]]], float | None],
    *,
    rounds: int = 1000,
    seed: int = 0,
) -> tuple[float, float] | None:
    """The 2.5th and 97.5th percentiles of `statistic` over `rounds` resamples, each stratum's rows drawn
    with replacement within the stratum (so every resample keeps the strata's sizes). None when the
    statistic is undefined in most resamples."""
    rng = random.Random(seed)
    values = []
    for _ in range(rounds):
        resample = {name: rng.choices(rows, k=len(rows)) if rows else [] for name, rows in strata.items()}
        value = statistic(resample)
        if value is not None:
            values.append(value)
    if len(values) < rounds / 2:
        return None
    values.sort()
    return values[int(0.025 * (len(values) - 1))], values[int(math.ceil(0.975 * (len(values) - 1)))]
