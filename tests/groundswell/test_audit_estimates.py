"""The audit's intervals: exact where the arithmetic is known, and covering the truth about 95% of the
time when a known population is sampled again and again (what a person relies on them for)."""

from __future__ import annotations

import random

import pytest

from groundswell.audit_estimates import (
    StratumCount,
    bootstrap_interval,
    proportion,
    stratified_proportion,
    wilson,
)


def test_wilson_matches_published_values():
    # Newcombe (1998), table I: 81/263 -> 0.2553 to 0.3662; 0/10 -> 0 to 0.2775
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    low, high = wilson(0, 10)
    assert low == 0.0 and round(high, 4) == 0.2775
    assert wilson(0, 0) == (0.0, 1.0)


def test_a_perfect_stratum_still_has_an_interval_unless_it_was_labelled_whole():
    part = proportion(30, 30, population=1000)
    assert part.value == 1.0 and part.high == 1.0 and 0.85 < part.low < 0.9
    whole = proportion(30, 30, population=30)
    assert (whole.low, whole.high) == (1.0, 1.0)
    # the finite-population correction narrows the interval when much of the stratum was read
    assert proportion(40, 50, population=60).low > proportion(40, 50, population=100_000).low


def test_one_stratum_is_wilson_with_the_finite_population_correction():
    one = stratified_proportion([StratumCount(240, 300, 3000)])
    direct = proportion(240, 300, population=3000)
    assert one.value == pytest.approx(0.8)
    # (n-1) in the stratified variance vs n in Wilson's: the same interval to within a tenth of a point
    assert one.low == pytest.approx(direct.low, abs=1e-3) and one.high == pytest.approx(direct.high, abs=1e-3)


def test_strata_are_weighted_by_population_not_by_rows_drawn():
    # 60 rows of a 100-mention language at 50%, 60 rows of a 9,900-mention language at 90%
    mixed = stratified_proportion([StratumCount(30, 60, 100), StratumCount(54, 60, 9900)])
    assert mixed.value == pytest.approx(0.01 * 0.5 + 0.99 * 0.9)  # not the rows' 70%
    assert mixed.low < mixed.value < mixed.high and mixed.n == 120
    # a stratum with no labelled row is left out of the weights
    assert stratified_proportion([StratumCount(0, 0, 500), StratumCount(9, 10, 50)]).value == pytest.approx(0.9)


def test_bootstrap_interval_keeps_strata_and_is_reproducible():
    rows = {"en": [1] * 80 + [0] * 20, "ko": [1] * 5 + [0] * 5}

    def mean(sample):
        values = [v for group in sample.values() for v in group]
        return sum(values) / len(values)

    low, high = bootstrap_interval(rows, mean, rounds=400, seed=3)
    assert low < 85 / 110 < high
    assert bootstrap_interval(rows, mean, rounds=400, seed=3) == (low, high)
    assert bootstrap_interval(rows, lambda _: None, rounds=50) is None


@pytest.mark.parametrize("accuracies", [(0.9, 0.6, 0.75), (0.98, 0.97, 0.99)])
def test_the_stratified_interval_covers_the_truth_about_95_percent_of_the_time(accuracies):
    # Three languages of known size and accuracy; 400 audits of 40+ rows each without replacement.
    rng = random.Random(11)
    sizes = (2000, 300, 700)
    population = [[i < int(size * acc) for i in range(size)] for size, acc in zip(sizes, accuracies, strict=True)]
    truth = sum(sum(p) for p in population) / sum(sizes)
    covered = 0
    audits = 400
    for _ in range(audits):
        counts = []
        for stratum, n in zip(population, (120, 40, 60), strict=True):
            drawn = rng.sample(stratum, n)
            counts.append(StratumCount(sum(drawn), n, len(stratum)))
        estimate = stratified_proportion(counts)
        covered += estimate.low <= truth <= estimate.high
    assert 0.91 <= covered / audits <= 0.995
