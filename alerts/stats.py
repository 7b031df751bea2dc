"""Tail tests fit for small counts. Scores are -log10(p), so bigger means stranger."""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

_LN10 = math.log(10)


def count_tail(observed: float, expected: float, dispersion: float) -> tuple[float, float]:
    """P(X >= observed) for a count with mean `expected`: negative binomial with
    variance mu + dispersion*mu^2 (Poisson when dispersion is 0). Returns (p, -log10 p)."""
    if observed <= 0:
        return 1.0, 0.0
    mu = max(expected, 1e-6)
    k = math.ceil(observed) - 1
    if dispersion <= 1e-9:
        log_p = float(stats.poisson.logsf(k, mu))
    else:
        n = 1.0 / dispersion
        log_p = float(stats.nbinom.logsf(k, n, n / (n + mu)))
        if not math.isfinite(log_p):
            # Far tail: sum the pmf from the observed count over a generous range instead.
            sd = math.sqrt(mu + dispersion * mu * mu)
            ks = np.arange(k + 1, k + 1 + int(50 * sd + 200))
            log_p = _logsumexp(stats.nbinom.logpmf(ks, n, n / (n + mu)))
    return _to_p(log_p)


def share_tail(negative: int, total: int, share: float, rho: float = 0.0) -> tuple[float, float]:
    """P(at least `negative` of `total` mentions negative | baseline share): beta-binomial with
    intra-class correlation `rho` (binomial when 0). Returns (p, -log10 p)."""
    if negative <= 0 or total <= 0:
        return 1.0, 0.0
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
