"""Negative-spike detection on a count series: episodes with alert, escalation and all-clear.

Walks the buckets in time order. Each bucket is judged against a baseline fitted on the
history before its day (episodes excluded, so a crisis never becomes 'normal'):

- count test: P(negatives >= observed) under a negative binomial around the seasonal rate;
- share test: P(negatives >= observed | bucket total, baseline share), binomial;
- a bucket is a spike when both scores pass, the share is at least `min_share_ratio` x its
  baseline and there are at least `min_negative` negatives. Requiring the share is what
  keeps a viral *positive* post (volume up, share flat or down) from firing; in a burst
  (volume above 3x usual) most of the extra posts must also be negative.
- slow detector (CUSUM or EWMA on standardised, capped residuals) catches crises that
  build up over hours without one bucket that is extreme on its own; it needs a run of at
  least two buckets, and the run as a whole must pass the same second test as one bucket (the
  share test, or at a mostly-negative brand the own-rhythm count test, less its largest bucket).

A bucket (or slow run) alerts only when its negatives come from at least `min_authors` distinct authors, when
the caller can say who wrote them (`authors`, `alerts.authors`): one angry customer's thread of six complaints is
one person, not a brand crisis, however improbable six negatives are for a quiet brand. Such a held bucket (or
run) never opens or escalates an episode, and counts as no spike otherwise either: it is kept out of the baseline
as an outage's backlog is (its negatives would raise the brand's usual level and downgrade a real crisis days
later), it keeps an open episode open only if it is elevated as any bucket may, and its negatives do not end a lull
(`_Episode.low`, left as it was: one person's thread between two waves must not hide the second wave, many
people's, which comes after a lull).

Before a new brand's first baseline exists (a day of its own data), its buckets are judged by the first-day rule
(`alerts/first_day.py`: many negatives, mostly negative, a share test against what is known), whose alerts state
no expected count.

An episode opens with a 'spike' alert, may send escalations (a bucket that is itself a spike and whose
negatives reach `escalate_ratio` x the last alerted peak, or come back after a lull, or raise the severity:
`_Episode.grows`, the first-day rule's episodes included), and ends with an 'all_clear' after `clear_after`
normal buckets, but never sooner than `cooldown_buckets` after its last alert (so a flapping spike stays one
episode). The all-clear counts every bucket of the window it names, quiet ones inside it included.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from alerts.authors import AuthorCount
from alerts.baseline import SHARE_PRIOR_POSTS, Baseline, fit
from alerts.config import SpikeRule
from alerts.first_day import FIRST_DAY, judge
from alerts.presets import SpikeThresholds, resolve
from alerts.series import CountSeries
from alerts.stats import count_tail, share_tail
from core.alert import SEVERITY_RANK, Alert, Detection, Severity

BUSY_VOLUME = 1.5  # a bucket with 1.5x its usual volume is busy: its extra posts must be mostly negative...
EXCESS_SHARE = 0.4  # ...at least 40% of them (a ~70%-accurate classifier reads a crisis's extra posts
# 50-55% negative; a controversial ad's are 10-40% negative)
VIRAL_VOLUME = 3.0  # a bucket with 3x its usual volume is a burst...
VIRAL_SHARE_RATIO = 1.6  # ...and its negative odds must be 1.6x the usual to count as a crisis
HIGH_SHARE = 0.5  # a brand whose posts are mostly negative anyway: its share cannot rise much, so
# the share test is replaced by a count test against the negatives' own hour-of-day rhythm
LULL_BUCKETS = 2  # buckets below half the episode's peak before a new single-bucket spike is a new surge
OUTAGE_P = 1e-4  # a run of empty buckets this improbable is the collector down, not the audience
Z_CAP = 4.0  # one bucket adds at most this to CUSUM/EWMA: a lone outlier is the count test's job


@dataclass
class _Episode:
    start: int
    first_id: str
    peak: float
    severity: Severity
    last_alert: int
    escalations: int = 0
    last_active: int = 0
    quiet: int = 0
    confirmed: bool = False  # a single bucket has passed the count and share tests in this episode
    low: int = 0  # buckets in a row below half the peak, without a spike (a lull)
    first_day: bool = False  # opened by the first-day rule (no baseline yet): its all-clear states no expected count

    def grows(self, x: float, ratio: float) -> tuple[bool, bool]:
        """The escalation rule on a bucket of `x` negatives that is itself a spike, one for every episode (the
        first-day rule's too): (does it escalate, is it a new surge). It escalates when its negatives reach `ratio`
        x the last alerted peak, or when it comes after a lull (`LULL_BUCKETS` below half the peak): a second
        wave is news even when smaller. The baseline's episodes also escalate on a higher severity."""
        surge = self.low >= LULL_BUCKETS
        return x >= ratio * self.peak or surge, surge


@dataclass
class _Slow:
    """CUSUM / EWMA state and the run of buckets it covers."""

    value: float = 0.0
    run_start: int | None = None
    run_neg: float = 0.0
    run_tot: float = 0.0
    run_mu: float = 0.0
    run_mu2: float = 0.0
    run_expected_total: float = 0.0
    run_mu_own: float = 0.0  # expected negatives of the run from their own hour-of-day rhythm
    run_top: tuple[float, float] = (0.0, 0.0)  # (negatives, own-rhythm expected) of its largest excess
    history: list[tuple[float, float, float, float, float]] = field(default_factory=list)

    def reset(self) -> None:
        self.value, self.run_start = 0.0, None
        self.run_neg = self.run_tot = self.run_mu = self.run_mu2 = self.run_expected_total = 0.0
        self.run_mu_own = 0.0
        self.run_top = (0.0, 0.0)
        self.history.clear()

    def dispersion(self, base: Baseline) -> float:
        """Negative-binomial dispersion of the run's total (its buckets' noise adds up)."""
        return base.dispersion * self.run_mu2 / max(self.run_mu**2, 1e-9)


def detect_spikes(
    series: CountSeries,
    brand: str,
    rule: SpikeRule | None = None,
    scope: dict[str, str] | None = None,
    new_brand: bool = False,
    authors: AuthorCount | None = None,
) -> list[Detection]:
    """Every spike / escalation / all-clear alert over the whole series, in time order.

    `scope` ({"source": ...} or {"lang": ...}) marks a series that covers one slice of the brand. `new_brand`: the
    series starts at the brand's first data, so its buckets before the first baseline are judged by the first-day
    rule (`alerts.first_day`) instead of not at all; a series that starts inside a longer history has no first day.
    `authors`: who wrote the series' negatives (`alerts.authors.negative_authors`), so an alert needs the rule's
    `min_authors` of them; None (plain counts: evaluation streams, tests) checks no authors.
    """
    rule = rule or SpikeRule()
    scope = {k: v for k, v in (scope or {}).items() if k in ("source", "lang")}
    return _detect(series, brand, rule, scope, new_brand, authors)


def _enough_authors(
    series: CountSeries, authors: AuthorCount | None, need: int
) -> Callable[[int, int], bool]:
    """(first, last bucket) -> do the negatives of those buckets come from at least `need` authors. Asked only of a
    bucket that would alert otherwise (a store read), and always true without `authors` or with `need` <= 1."""

    def enough(first: int, last: int) -> bool:
        if authors is None or need <= 1:
            return True
        return authors(series.time(first), series.time(last) + series.step, need) >= need

    return enough


def _detect(
    series: CountSeries,
    brand: str,
    rule: SpikeRule,
    scope: dict[str, str],
    new_brand: bool,
    authors: AuthorCount | None = None,
) -> list[Detection]:
    th = resolve(rule)
    n = len(series)
    if n == 0:
        return []
    enough_authors = _enough_authors(series, authors, th.min_authors)
    per_day = 24 if series.interval == "hour" else 1
    window = rule.baseline_days * per_day
    min_history = per_day if series.interval == "hour" else 7
    hour, dow, day = series.hour_of_day(), series.day_of_week(), series.day_index()
    neg, tot, cov = series.negative, series.total, series.coverage

    in_episode = np.zeros(n, dtype=bool)
    # Each bucket's expected negatives (0 before a baseline; an outage's empty buckets 0, theirs counted in their
    # backlog bucket): what an all-clear sums.
    mu_by_bucket = np.zeros(n)
    out: list[Detection] = []
    episode: _Episode | None = None
    slow = _Slow()
    base: Baseline | None = None
    base_key: int | None = None
    day_start = 0
    empty = 0  # empty buckets in a row just before this one
    fitted = False  # a baseline has existed: the brand's first day is over

    for i in range(n):
        key = int(day[i]) if series.interval == "hour" else i
        # Refitted once a day. The series starts at the brand's data (alerts/history_start.py), so `min_history`
        # counts real buckets: no baseline fitted on less than a day of data is ever kept for a day.
        if key != base_key:
            base_key, day_start = key, i
            lo = max(0, day_start - window)
            hist = np.arange(lo, day_start)[~in_episode[lo:day_start]]
            base = fit(series, hist, th.min_dispersion, hour, dow) if len(hist) >= min_history else None
            fitted = fitted or base is not None
        if base is None:
            if new_brand and not fitted:
                episode = _first_day(series, brand, rule, scope, i, episode, in_episode, mu_by_bucket, out,
                                     enough_authors)
            continue

        x, t = float(neg[i]), float(tot[i])
        # A bucket after a run of empty buckets too improbable for the audience (the collector
        # was down) may hold their backlog: expect theirs too, and keep them all out of baselines.
        extra = _outage_backlog(base, hour, dow, i, empty) if t > 0 else None
        empty = empty + 1 if t == 0 else 0
        if extra is not None:
            in_episode[i - len(extra[0]) : i + 1] = True
            # Their expectation moves into this bucket, where their posts are counted: an all-clear summing
            # the empty buckets and this one must not expect them twice.
            mu_by_bucket[i - len(extra[0]) : i] = 0.0
        mu = base.expected(int(hour[i]), int(dow[i])) * float(cov[i]) + (extra[0].sum() if extra else 0.0)
        mu_own = base.expected_own(int(hour[i]), int(dow[i])) * float(cov[i]) + (extra[1].sum() if extra else 0.0)
        expected_total = base.expected_total(int(hour[i]), int(dow[i])) * float(cov[i])
        expected_total += extra[2].sum() if extra else 0.0
        mu_by_bucket[i] = mu
        high = base.share >= HIGH_SHARE
        p_count, s_count, p_share, s_share = 1.0, 0.0, 1.0, 0.0
        if x >= min(th.min_negative, 3):  # fewer can't alert nor keep an episode open: skip the tail maths
            p_count, s_count = count_tail(x, mu, base.dispersion)
            if s_count >= min(1.3, th.threshold):
                p_share, s_share = _second_test(x, t, mu_own, base, high)
        share = x / t if t else 0.0
        share_up = _share_up(x, t, mu, expected_total, base.share, th)
        second_ok = s_share >= th.share_threshold
        spike = x >= th.min_negative and s_count >= th.threshold and second_ok and share_up
        elevated = share_up and s_count >= max(1.3, th.threshold / 2)

        z = min(_anscombe(x, mu, base.dispersion), Z_CAP)
        slow_fired, slow_level = _update_slow(slow, th, i, z, x, t, mu, expected_total, mu_own)
        slow_ok = False
        if slow_fired:
            slow_ok = (
                # A run of one bucket is the count test's job: without this the slow detector
                # would be a second, laxer single-bucket test (half its false alerts were that).
                slow.run_start is not None
                and i > slow.run_start
                and slow.run_neg >= th.min_negative
                and _run_share_ok(slow, base, th, high)
            )

        end = series.time(i) + series.step
        if episode is None:
            # Who wrote the negatives is asked last (a store read), of a bucket or run that would alert otherwise.
            # One held back by too few authors stays out of the baseline all the same (module docstring).
            if spike and not enough_authors(i, i):
                spike = False
                in_episode[i] = True
            if slow_ok and slow.run_start is not None and not enough_authors(slow.run_start, i):
                slow_ok = False
                in_episode[slow.run_start : i + 1] = True
            if not (spike or slow_ok):
                continue
            if spike:
                start, observed, expected = i, x, mu
                detector, statistic, score, p_value = "count", _stat_name(base), s_count, p_count
                ep_share, ep_total = share, t
            else:
                start = slow.run_start if slow.run_start is not None else i
                observed, expected = slow.run_neg, slow.run_mu
                p_value, _ = count_tail(observed, expected, slow.dispersion(base))
                detector, statistic, score = rule.slow or th.slow, th.slow, slow.value
                ep_share, ep_total = observed / max(slow.run_tot, 1.0), slow.run_tot
                p_share, _ = share_tail(int(observed), int(slow.run_tot), base.share, base.share_dispersion)
                s_count = -math.log10(max(p_value, 1e-300))
            if high:
                p_share = None  # not a share test (the negatives' own rhythm was tested instead)
            severity = _severity(s_count, observed, expected, th)
            alert = Alert(
                kind="spike",
                brand=brand,
                **scope,
                severity=severity,
                window_start=series.time(start),
                window_end=end,
                observed=observed,
                expected=round(expected, 3),
                statistic=statistic,
                score=round(score, 3),
                p_value=p_value,
                negative_share=round(ep_share, 4),
                expected_share=_usual_share(base),
                share_p_value=p_share,
                total=int(ep_total),
                detector=detector,
                baseline_days=round(base.days, 1),
            )
            alert.episode_id = alert.id
            out.append(Detection(alert, end, i))
            episode = _Episode(start, alert.id, x if spike else max(neg[start : i + 1]), severity, i, last_active=i)
            episode.confirmed = spike
            in_episode[start : i + 1] = True
            slow.reset()
            continue

        # Inside an episode.
        _ = slow_fired  # the slow detector keeps running so a sustained excess keeps the episode open
        # A spike by too few authors is no spike here either, and leaves the lull as it was (module docstring). Asked
        # of every spike, not only of one that grows: whether it resets the lull decides the next bucket's surge.
        held = spike and not enough_authors(i, i)
        spike = spike and not held
        if held:
            in_episode[i] = True
        active = spike or elevated or (slow_level >= 0.5 and z > 0)
        if active:
            in_episode[i] = True
            episode.quiet = 0
            episode.last_active = i
            severity = _severity(s_count, x, mu, th)
            # An episode the slow detector opened escalates at its first single-bucket spike: a
            # sudden crisis must not hide inside a slow drift that happened to be open already.
            grows, surge = episode.grows(x, rule.escalate_ratio)
            grows = grows or SEVERITY_RANK[severity] > SEVERITY_RANK[episode.severity] or not episode.confirmed
            if not held:
                episode.low = 0 if spike or x >= episode.peak / 2 else episode.low + 1
            if spike and grows:
                episode.escalations += 1
                alert = Alert(
                    kind="spike",
                    brand=brand,
                    **scope,
                    severity=max(severity, episode.severity, key=SEVERITY_RANK.__getitem__),
                    window_start=series.time(i),
                    window_end=end,
                    observed=x,
                    expected=round(mu, 3),
                    statistic=_stat_name(base),
                    score=round(s_count, 3),
                    p_value=p_count,
                    negative_share=round(share, 4),
                    expected_share=_usual_share(base),
                    share_p_value=None if high else p_share,
                    total=int(t),
                    detector="count",
                    subject=f"{'surge' if surge else 'escalation'}-{episode.escalations}",
                    episode_id=episode.first_id,
                    baseline_days=round(base.days, 1),
                )
                out.append(Detection(alert, end, i))
                # A new surge is measured against its own peak from now on.
                episode.peak = x if surge else max(episode.peak, x)
                episode.severity = alert.severity
                episode.confirmed = True
                episode.last_alert = i
            continue
        if float(cov[i]) < 1.0:
            # The bucket still filling (`now` inside it) is not quiet yet: five minutes into an hour
            # look calm against an hour's expectation scaled down, and the all-clear would go out on
            # them (then a wave later in that hour escalates an episode already called over).
            continue
        episode.quiet += 1
        episode.low += 1
        if episode.quiet >= rule.clear_after and i - episode.last_alert >= rule.cooldown_buckets:
            out.append(Detection(_all_clear(series, brand, scope, episode, _stat_name(base), mu_by_bucket), end, i))
            episode = None
            slow.reset()
    return out


def _all_clear(
    series: CountSeries, brand: str, scope: dict[str, str], episode: _Episode, statistic: str, expected: np.ndarray
) -> Alert:
    """The all-clear that ends `episode`: the negatives (and `expected`, each bucket's expected negatives) of
    every bucket of the window it states, from the episode's start to its last active bucket, the quiet ones
    between included (they are in the window its message names, and in its posts' language and source mix).
    One the first-day rule opened states no expected count (0, and `detector` "first_day"): most of its buckets
    had no baseline to expect anything from."""
    span = slice(episode.start, episode.last_active + 1)
    return Alert(
        kind="all_clear",
        brand=brand,
        **scope,
        severity="info",
        window_start=series.time(episode.start),
        window_end=series.time(episode.last_active) + series.step,
        observed=float(series.negative[span].sum()),
        expected=0.0 if episode.first_day else round(float(expected[span].sum()), 3),
        statistic=FIRST_DAY if episode.first_day else statistic,
        score=0.0,
        detector=FIRST_DAY if episode.first_day else "episode",
        episode_id=episode.first_id,
    )


def _first_day(
    series: CountSeries,
    brand: str,
    rule: SpikeRule,
    scope: dict[str, str],
    i: int,
    episode: _Episode | None,
    in_episode: np.ndarray,
    mu_by_bucket: np.ndarray,
    out: list[Detection],
    enough_authors: Callable[[int, int], bool] | None = None,
) -> _Episode | None:
    """Bucket `i` of a new brand before its first baseline (`alerts.first_day`): opens, escalates, keeps open or
    ends an episode as the baseline's tests would, on counts and shares alone. Returns the episode after it.

    A bucket inside an open episode is judged against the share known before the episode, as the baseline's
    episodes are against a baseline that leaves them out: its own hours would otherwise set the share its next,
    bigger hour is tested against (GOP's first hour of Trump, 73% negative, made 375 negatives at 72%
    unremarkable), and it could never escalate. It escalates as the baseline's do: itself a spike, and growing
    (`_Episode.grows`). A bucket outside an episode is judged against every post before it, an earlier crisis's
    included, so a second wave no more negative than the first does not open a new episode. `enough_authors`: the
    `min_authors` check (`_enough_authors`), asked of a bucket the rule fires on: one by too few authors is held as
    the baseline's are (module docstring): no alert, out of the baseline, the lull left as it was."""
    x, t = float(series.negative[i]), float(series.total[i])
    known_to = i if episode is None else episode.start
    seen = float(series.total[:known_to].sum())
    verdict = judge(x, t, float(series.negative[:known_to].sum()), seen)
    end = series.time(i) + series.step
    per_day = 24 if series.interval == "hour" else 1
    # The history before this bucket, in buckets since the first with posts, that one counted as half (its first
    # post came at some minute of it): 0 in the brand's first bucket, 0.5 in its second.
    first = int(np.argmax(series.total[: i + 1] > 0))
    history = i - first - 0.5 if i > first else 0.0

    def alert(subject: str | None, episode_id: str | None) -> Alert:
        return Alert(
            kind="spike",
            brand=brand,
            **scope,
            severity="warning",  # "critical" needs a multiple of the usual level, and there is none yet
            window_start=series.time(i),
            window_end=end,
            observed=x,
            expected=0.0,  # no usual level yet: nothing is expected, and no message says otherwise
            statistic=FIRST_DAY,
            score=round(verdict.score, 3),
            p_value=verdict.p_value,
            negative_share=round(x / t, 4),
            # The share it was tested against, stated only once the brand's own posts outweigh the prior.
            expected_share=round(verdict.known_share, 4) if seen >= SHARE_PRIOR_POSTS else None,
            share_p_value=verdict.p_value,
            total=int(t),
            detector=FIRST_DAY,
            subject=subject,
            episode_id=episode_id,
            baseline_days=round(history / per_day, 4),
        )

    # The rule fires, by enough authors (asked last: a store read); a bucket held back for too few stays out of the
    # baseline the first day's buckets build.
    held = verdict.fires and enough_authors is not None and not enough_authors(i, i)
    fires = verdict.fires and not held
    if held:
        in_episode[i] = True
    if episode is None:
        if fires:
            a = alert(None, None)
            a.episode_id = a.id
            out.append(Detection(a, end, i))
            in_episode[i] = True
            episode = _Episode(i, a.id, x, "warning", i, last_active=i, confirmed=True, first_day=True)
        return episode
    if fires or verdict.active:
        in_episode[i] = True
        episode.quiet = 0
        episode.last_active = i
        grows, surge = episode.grows(x, rule.escalate_ratio)
        if not held:
            episode.low = 0 if fires or x >= episode.peak / 2 else episode.low + 1
        if fires and grows:
            episode.escalations += 1
            out.append(Detection(alert(f"{'surge' if surge else 'escalation'}-{episode.escalations}",
                                       episode.first_id), end, i))
            episode.peak = x if surge else max(episode.peak, x)
            episode.last_alert = i
        return episode
    if float(series.coverage[i]) < 1.0:
        return episode  # the bucket still filling is not quiet yet (see the baseline's episodes)
    episode.quiet += 1
    episode.low += 1
    if episode.quiet >= rule.clear_after and i - episode.last_alert >= rule.cooldown_buckets:
        out.append(Detection(_all_clear(series, brand, scope, episode, FIRST_DAY, mu_by_bucket), end, i))
        return None
    return episode


def _update_slow(
    slow: _Slow, th: SpikeThresholds, i: int, z: float, x: float, t: float, mu: float, mu_total: float, mu_own: float
) -> tuple[bool, float]:
    """Advance CUSUM/EWMA by one bucket; (crossed its limit?, value as a fraction of the limit)."""
    if th.slow == "off":
        return False, 0.0
    if th.slow == "cusum":
        slow.value = max(0.0, slow.value + z - th.cusum_k)
        if slow.value == 0.0:
            slow.reset()
            return False, 0.0
        if slow.run_start is None:
            slow.run_start = i
        slow.run_neg += x
        slow.run_tot += t
        slow.run_mu += mu
        slow.run_mu2 += mu * mu
        slow.run_expected_total += mu_total
        slow.run_mu_own += mu_own
        if x - mu_own > slow.run_top[0] - slow.run_top[1]:
            slow.run_top = (x, mu_own)
        return slow.value > th.cusum_h, slow.value / th.cusum_h
    # EWMA over the last ~2/lambda buckets.
    lam = th.ewma_lambda
    slow.value = lam * z + (1 - lam) * slow.value
    span = max(1, math.ceil(2 / lam))
    slow.history.append((x, t, mu, mu_total, mu_own))
    del slow.history[:-span]
    slow.run_start = i - len(slow.history) + 1
    slow.run_neg = sum(h[0] for h in slow.history)
    slow.run_tot = sum(h[1] for h in slow.history)
    slow.run_mu = sum(h[2] for h in slow.history)
    slow.run_mu2 = sum(h[2] ** 2 for h in slow.history)
    slow.run_expected_total = sum(h[3] for h in slow.history)
    slow.run_mu_own = sum(h[4] for h in slow.history)
    slow.run_top = max(((h[0], h[4]) for h in slow.history), key=lambda h: h[0] - h[1])
    limit = th.ewma_limit * math.sqrt(lam / (2 - lam))
    return slow.value > limit, slow.value / limit


def _second_test(
    x: float, t: float, mu_own: float, base: Baseline, high: bool, dispersion: float | None = None
) -> tuple[float, float]:
    """The test beside the count test, (p, -log10 p): the share test, or for a brand whose posts
    are mostly negative anyway (HIGH_SHARE), a count test against the negatives' own hour-of-day rate
    (`dispersion`: of a run of buckets; default one bucket's)."""
    if high:
        return count_tail(x, mu_own, base.dispersion if dispersion is None else dispersion)
    return share_tail(int(x), int(t), base.share, base.share_dispersion)


def _outage_backlog(
    base: Baseline, hour: np.ndarray, dow: np.ndarray, i: int, empty: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Expected (negatives, own-rhythm negatives, totals) of the `empty` buckets before `i` when
    their emptiness is too improbable for the audience (P < OUTAGE_P): a collector outage, whose
    posts may arrive in bucket `i` as a backlog. None when the run is ordinary quiet."""
    if empty == 0:
        return None
    gap = range(i - empty, i)
    totals = np.array([base.expected_total(int(hour[j]), int(dow[j])) for j in gap])
    a = max(base.dispersion, 1e-9)
    log_p_empty = float(np.sum(-np.log1p(a * totals) / a))  # negative binomial P(0) per bucket
    if log_p_empty >= math.log(OUTAGE_P):
        return None
    negs = np.array([base.expected(int(hour[j]), int(dow[j])) for j in gap])
    own = np.array([base.expected_own(int(hour[j]), int(dow[j])) for j in gap])
    return negs, own, totals


def _share_up(neg: float, tot: float, mu: float, mu_total: float, base_share: float, th: SpikeThresholds) -> bool:
    """Is the negative share up enough for a crisis? (negatives, total, and their expected values)

    Compared as odds (negatives per other post), so a brand whose posts are 78% negative can
    still show a crisis: twice its negatives doubles the odds, while 1.3x its share is over 100%.

    Busy guard: when volume is up by half or more, most of the posts *above the usual volume*
    (excess negatives / excess posts) must be negative, at least EXCESS_SHARE: a crisis draws
    complaints, a controversial ad draws argument. Viral guard: when volume explodes (a viral
    post, a launch), the odds must also be clearly up (VIRAL_SHARE_RATIO). A little extra
    negativity riding along a burst is not news.
    """
    need = _odds_needed(th.min_share_ratio, base_share)
    odds_ratio = _odds(neg / tot if tot else 0.0) / _odds(base_share)
    if tot <= BUSY_VOLUME * mu_total:
        return odds_ratio >= need
    excess_share = (neg - mu) / max(tot - mu_total, 1.0)
    ratio = _odds_needed(VIRAL_SHARE_RATIO, base_share) if tot > VIRAL_VOLUME * mu_total else need
    # The extra posts must also be more negative than the usual ones (a busy day at a brand
    # whose posts are 78% negative brings 78% negative extra posts).
    excess_up = _odds(excess_share) >= need * _odds(base_share)
    return odds_ratio >= ratio and excess_share >= EXCESS_SHARE and excess_up


def _odds_needed(ratio: float, base_share: float) -> float:
    """The rise in negative odds a crisis must show: `ratio` up to a 50% negative baseline, then
    less as the room left shrinks (at 80% negative a crisis whose extra posts are 87% negative,
    complaints plus news, lifts the odds only 1.25x)."""
    return 1.0 + (ratio - 1.0) * min(1.0, 2.0 * (1.0 - base_share))


def _odds(share: float) -> float:
    share = min(max(share, 1e-6), 1 - 1e-3)  # an all-negative bucket has large, not infinite, odds
    return share / (1 - share)


def _run_share_ok(slow: _Slow, base: Baseline, th: SpikeThresholds, high: bool) -> bool:
    """A slow run's share gate: the share is up (with the busy and viral guards) and the run passes
    the same second test as a single bucket (`_second_test`: the share test, or at a brand whose
    posts are mostly negative anyway, whose share hardly moves, the negatives' own rhythm)."""
    if not _share_up(slow.run_neg, slow.run_tot, slow.run_mu, slow.run_expected_total, base.share, th):
        return False
    neg, mu_own = slow.run_neg, slow.run_mu_own
    if high:
        # A count test can be carried by one bucket (a burst at the usual share whose volume guard
        # the run's sums dilute): that is the single-bucket test's job, so the rest of the run
        # must be up on its own.
        neg, mu_own = neg - slow.run_top[0], mu_own - slow.run_top[1]
    _, score = _second_test(neg, slow.run_tot, mu_own, base, high, slow.dispersion(base))
    return score >= th.share_threshold


def _severity(score: float, observed: float, expected: float, th: SpikeThresholds) -> Severity:
    ratio = observed / max(expected, 1e-9)
    return "critical" if score >= th.critical_threshold and ratio >= th.critical_ratio else "warning"


def _usual_share(base: Baseline) -> float | None:
    """The baseline's negative share as the alert states it ("vs 25% usually"), or None while it rests more on
    the prior than on posts (`Baseline.share_known`): a prior is no one's "usual"."""
    return round(base.share, 4) if base.share_known else None


def _stat_name(base: Baseline) -> str:
    return "negative_binomial" if base.dispersion > 1e-9 else "poisson"


def _anscombe(x: float, mu: float, dispersion: float) -> float:
    """Standardised residual that stays honest for small counts.

    (x - mu) / sqrt(mu) calls 2 posts where 0.3 are usual a 3-sigma event (it is p = 0.04);
    the Anscombe residual for Poisson counts is close to normal even there. Dividing by
    sqrt(1 + dispersion * mu) accounts for over-dispersion.
    """
    mu = max(mu, 1e-6)
    return 1.5 * (x ** (2 / 3) - mu ** (2 / 3)) / mu ** (1 / 6) / math.sqrt(1.0 + dispersion * mu)
