"""Tail tests fit for small counts. Scores are -log10(p), so bigger means stranger."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

_LN10 = math.log(10)


def count_tail(observed: float, expected: float, dispersion: float) -> tuple[float, float]:
    """P(X >= observed) for a count with mean `expected`: negative binomial with
    variance mu + dispersion*mu^2 (Poisson when dispersion is 0). Returns (p, -log10 p).

    The score stays finite however far the tail: where scipy's log-survival underflows to
    -inf, the tail is summed from the pmf in log space instead (an infinite score would be
    stored as null and the alert lost)."""
    if not (math.isfinite(expected) and math.isfinite(dispersion)):
        # A bug upstream (a NaN baseline), named here rather than as a NaN-to-int crash below.
        raise ValueError(f"count test needs a finite expectation and dispersion, got {expected!r}, {dispersion!r}")
    if observed <= 0:
        return 1.0, 0.0
    from scipy import stats  # lazy: scipy costs ~1.5 s; this module is loaded by the config (alert kinds)

    mu = max(expected, 1e-6)
    k = math.ceil(observed) - 1
    sd = math.sqrt(mu + max(dispersion, 0.0) * mu * mu)
    if dispersion <= 1e-9:
        log_p = float(stats.poisson.logsf(k, mu))
        if not math.isfinite(log_p):
            log_p = _far_tail(lambda ks: stats.poisson.logpmf(ks, mu), k, sd)
    else:
        n = 1.0 / dispersion
        log_p = float(stats.nbinom.logsf(k, n, n / (n + mu)))
        if not math.isfinite(log_p):
            log_p = _far_tail(lambda ks: stats.nbinom.logpmf(ks, n, n / (n + mu)), k, sd)
    return _to_p(log_p)


def _far_tail(logpmf: Callable[[np.ndarray], np.ndarray], k: int, sd: float) -> float:
    """log P(X > k) summed from the pmf over a generous range: finite where logsf underflows."""
    ks = np.arange(k + 1, k + 1 + int(50 * sd + 200))
    return _logsumexp(logpmf(ks))


def share_tail(negative: int, total: int, share: float, rho: float = 0.0) -> tuple[float, float]:
    """P(at least `negative` of `total` mentions negative | baseline share): beta-binomial with
    intra-class correlation `rho` (binomial when 0). Returns (p, -log10 p)."""
    if negative <= 0 or total <= 0:
        return 1.0, 0.0
    from scipy import special, stats  # lazy: scipy costs ~1.5 s; see count_tail

    share = min(max(share, 1e-6), 1 - 1e-6)
    if rho <= 1e-9:
        return _to_p(float(stats.binom.logsf(negative - 1, total, share)))
    a = share * (1 - rho) / rho
    b = (1 - share) * (1 - rho) / rho
    # Sum the upper tail of the pmf in log space: scipy's betabinom sf loses all precision
    # (and returns NaN) far in the tail, exactly where crises live.
    k = np.arange(negative, total + 1, dtype=float)
    log_pmf = (
        special.gammaln(total + 1)
        - special.gammaln(k + 1)
        - special.gammaln(total - k + 1)
        + special.betaln(k + a, total - k + b)
        - special.betaln(a, b)
    )
    return _to_p(_logsumexp(log_pmf))


def _to_p(log_p: float) -> tuple[float, float]:
    if math.isnan(log_p):
        return 1.0, 0.0
    log_p = min(log_p, 0.0)
    return math.exp(log_p), -log_p / _LN10


def _logsumexp(values: np.ndarray) -> float:
    top = float(np.max(values))
    if not math.isfinite(top):
        return top
    return top + math.log(float(np.sum(np.exp(values - top))))
