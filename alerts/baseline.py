"""What a bucket's negative count 'should' be: a seasonal rate with shrinkage.

expected_negatives(t) = level x hour_of_day_factor(t) x day_of_week_factor(t)

- The daily and weekly *shape* is learnt from all mentions (more data than the negatives
  alone), each factor shrunk toward 1 by pseudo-counts, so two weeks of history give a
  mild weekly effect and one week almost none: short history falls back to the overall rate.
- The *level* of negatives is the rate that fits the history under that shape, computed
  twice: the second pass clips buckets far above the first fit, so an old spike that was
  never flagged cannot inflate the baseline (robustness, like a median, but usable on
  counts of 0-3 where medians are all zero).
- Over-dispersion (variance above Poisson) is estimated by moments on the same history and
  floored; the count test then uses a negative binomial tail. It is widened by the uncertainty
  of the baseline itself: the level is estimated from the negatives seen (1 / their number), and
  with under LEARNING_DAYS of history the daily shape is barely known (a brand two days old
  has seen each hour of the day twice).
- The negatives' *own* hour-of-day shape is fitted too (`expected_own`): where most posts are
  negative anyway the share cannot rise much, so the detector tests the negatives' rate per
  hour of day against their own rhythm instead (`alerts.spike`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alerts.series import CountSeries

HOUR_PSEUDO_DAYS = 0.5  # an hour-of-day factor counts half after half a day of data...
HOUR_PSEUDO_MENTIONS = 3.0  # ...plus ~3 mentions at that hour, so small brands shrink more
DOW_PSEUDO_WEEKS = 2.0  # a day-of-week factor needs ~2 weeks of data to count half
MIN_RATE = 0.05  # negatives per bucket: never expect exactly zero
# An hour of the day never seen busy still gets 5% of an average hour. Without a floor, five
# or more empty hours in a row smooth to a factor of exactly 0 (sparse brands, per-language
# slices), and dividing volume by it turns the whole baseline into NaN.
MIN_HOUR_FACTOR = 0.05
# The share's prior: SHARE_PRIOR_POSTS pseudo-posts at SHARE_PRIOR negative. Below as many real posts it says
# more about the prior than about the brand (`Baseline.share_known`).
SHARE_PRIOR = 0.1
SHARE_PRIOR_POSTS = 10.0
LEARNING_DAYS = 7.0  # under this much history the baseline is still learning the brand
SHAPE_UNCERTAINTY = 0.5  # extra dispersion while learning: 0.5 x (1/days - 1/LEARNING_DAYS)


@dataclass(frozen=True)
class Baseline:
    level: float  # negatives per bucket before seasonal factors
    hour_factor: np.ndarray  # 24 factors (all ones for daily buckets)
    dow_factor: np.ndarray  # 7 factors
    share: float  # baseline negative share
    share_dispersion: float  # beta-binomial intra-class correlation of the share (0 = binomial)
    dispersion: float  # negative-binomial alpha: var = mu + alpha mu^2
    history: int  # buckets it learnt from
    total_level: float = 0.0  # all mentions per bucket before seasonal factors
    days: float = 0.0  # days of history it learnt from
    own_level: float = 0.0  # negatives per bucket before their own hour-of-day factors
    own_hour_factor: np.ndarray | None = None  # the negatives' own 24 hour-of-day factors
    share_posts: float = 0.0  # the posts (burst-clipped) the share learnt from

    @property
    def share_known(self) -> bool:
        """Whether the share rests on posts more than on its prior (at least SHARE_PRIOR_POSTS of them): only
        then may an alert call it the brand's usual share."""
        return self.share_posts >= SHARE_PRIOR_POSTS

    @property
    def learning(self) -> bool:
        """Too little history for a confident 'N times the usual' (LEARNING_DAYS)."""
        return self.days < LEARNING_DAYS

    def expected(self, hour: int, dow: int) -> float:
        return max(self.level * float(self.hour_factor[hour] * self.dow_factor[dow]), MIN_RATE)

    def expected_own(self, hour: int, dow: int) -> float:
        """Expected negatives from the negatives' own hour-of-day rhythm."""
        if self.own_hour_factor is None:
            return self.expected(hour, dow)
        return max(self.own_level * float(self.own_hour_factor[hour] * self.dow_factor[dow]), MIN_RATE)

    def expected_total(self, hour: int, dow: int) -> float:
        return max(self.total_level * float(self.hour_factor[hour] * self.dow_factor[dow]), MIN_RATE)


def fit(
    series: CountSeries,
    history: np.ndarray,
    min_dispersion: float = 0.0,
    hour: np.ndarray | None = None,
    dow: np.ndarray | None = None,
) -> Baseline:
    """Fit a baseline on the buckets whose indices are in `history` (already cleaned of episodes)."""
    hour = series.hour_of_day() if hour is None else hour
    dow = series.day_of_week() if dow is None else dow
    h, d = hour[history], dow[history]
    neg = series.negative[history]
    tot = series.total[history]
    per_day = 24 if series.interval == "hour" else 1

    tot = _clip_bursts(tot, h, series.interval)
    mean_total = tot.mean() if len(tot) else 0.0
    hour_factor = _hour_factor(tot, h) if series.interval == "hour" else np.ones(24)
    dow_factor = np.ones(7)
    if mean_total > 0:
        adjusted = tot / hour_factor[h]
        n = np.bincount(d, minlength=7).astype(float)
        sums = np.bincount(d, weights=adjusted, minlength=7)
        overall = adjusted.mean()
        raw = np.divide(sums, n * overall, out=np.ones(7), where=n > 0)
        weeks = n / per_day
        dow_factor = (weeks * raw + DOW_PSEUDO_WEEKS) / (weeks + DOW_PSEUDO_WEEKS)
        dow_factor /= dow_factor.mean()

    weight = hour_factor[h] * dow_factor[d]
    level = _level(neg, weight)
    # Second pass: clip buckets far above the first fit (unflagged old spikes).
    mu = np.maximum(level * weight, MIN_RATE)
    cap = mu + 5.0 * np.sqrt(mu) + 3.0
    clipped = np.minimum(neg, cap)
    level = _level(clipped, weight)
    mu = np.maximum(level * weight, MIN_RATE)

    dispersion = min_dispersion
    if len(clipped) >= 24 and np.sum(mu**2) > 0:
        # Moments without the most extreme 2% of buckets: one burst must not make every
        # later burst look ordinary.
        pearson = (clipped - mu) / np.sqrt(mu)
        keep = pearson <= np.quantile(pearson, 0.98)
        c, m = clipped[keep], mu[keep]
        moment = float(np.sum((c - m) ** 2 - m) / np.sum(m**2))
        dispersion = min(max(moment, min_dispersion), 1.0)

    own_level, own_hour = level, None
    if series.interval == "hour":
        own_hour = _hour_factor(clipped, h)
        own_level = _level(clipped, own_hour[h] * dow_factor[d])
    days = len(history) / per_day
    # The baseline's own uncertainty, added to the noise: the level is estimated from the
    # negatives seen, and a short history has barely seen each hour of the day.
    dispersion += 1.0 / (float(clipped.sum()) + 0.5)
    dispersion += SHAPE_UNCERTAINTY * max(0.0, 1.0 / max(days, 0.5) - 1.0 / LEARNING_DAYS)

    # Share with a weak prior (one pseudo-negative in ten) so empty history is not 0%.
    prior = SHARE_PRIOR * SHARE_PRIOR_POSTS
    share = min((float(clipped.sum()) + prior) / (float(tot.sum()) + SHARE_PRIOR_POSTS), 0.95)
    share_dispersion = _share_dispersion(clipped, tot, share)
    total_level = _level(tot, weight)
    _check_finite(level, total_level, share, share_dispersion, dispersion, hour_factor, dow_factor)
    return Baseline(
        level, hour_factor, dow_factor, share, share_dispersion, dispersion, int(len(history)), total_level,
        days, own_level, own_hour, float(tot.sum()),
    )  # fmt: skip


def _hour_factor(values: np.ndarray, h: np.ndarray) -> np.ndarray:
    """24 hour-of-day factors (mean 1) of `values` observed at hours `h`."""
    mean = values.mean() if len(values) else 0.0
    if mean <= 0:
        return np.ones(24)
    n = np.bincount(h, minlength=24).astype(float)
    sums = np.bincount(h, weights=values, minlength=24)
    raw = np.divide(sums, n * mean, out=np.ones(24), where=n > 0)
    days = n  # one observation of an hour-of-day per day
    # Shrink each hour toward its neighbours (a smoothed daily curve), not toward flat:
    # flattening would under-predict every busy afternoon. Small brands, whose single
    # hours are noisy, lean on the smooth curve more.
    pseudo = HOUR_PSEUDO_DAYS + HOUR_PSEUDO_MENTIONS / mean
    factor = (days * raw + pseudo * _circular_smooth(raw)) / (days + pseudo)
    factor /= factor.mean()
    return np.maximum(factor, MIN_HOUR_FACTOR)


def _check_finite(*values: float | np.ndarray) -> None:
    """A non-finite baseline would make every test of the day silently false (or crash one);
    stop here with the cause named instead."""
    if not all(np.all(np.isfinite(v)) for v in values):
        raise ValueError(f"baseline fit gave a non-finite value (level, volume, share, factors): {values!r}")


def _share_dispersion(neg: np.ndarray, tot: np.ndarray, share: float) -> float:
    """Moment estimate of the beta-binomial correlation rho: the share wobbles from hour to
    hour more than coin flips would, and a plain binomial test would call that wobble news."""
    ok = tot >= 2
    if ok.sum() < 24:
        return 0.01
    x, t = neg[ok], tot[ok]
    var = share * (1 - share)
    resid = (x - share * t) ** 2 - var * t
    keep = resid <= np.quantile(resid, 0.98)
    rho = float(resid[keep].sum() / (var * (t[keep] * (t[keep] - 1)).sum()))
    return min(max(rho, 0.005), 0.3)


def _level(neg: np.ndarray, weight: np.ndarray) -> float:
    # Gamma-Poisson posterior mean with a tiny prior: stable when the history is all zeros.
    return (float(neg.sum()) + 0.5) / (float(weight.sum()) + 1.0)


def _clip_bursts(tot: np.ndarray, h: np.ndarray, interval: str) -> np.ndarray:
    """Cap each bucket's total at 3x + 10 its hour's median, so a viral burst in the history
    does not teach the baseline that this hour (or weekday) is always busy."""
    if len(tot) == 0:
        return tot
    if interval == "day":
        return np.minimum(tot, 3.0 * np.median(tot) + 10.0)
    typical = np.full(24, np.median(tot))
    for hour in np.unique(h):
        typical[hour] = np.median(tot[h == hour])
    return np.minimum(tot, 3.0 * typical[h] + 10.0)


def _circular_smooth(values: np.ndarray) -> np.ndarray:
    """A 5-hour [1, 4, 6, 4, 1] kernel around the clock (midnight neighbours 23:00)."""
    kernel = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    padded = np.concatenate([values[-2:], values, values[:2]])
    return np.convolve(padded, kernel, mode="valid")
