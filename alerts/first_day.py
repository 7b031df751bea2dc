"""A new brand's first day: a spike rule that needs no usual level.

A baseline needs a day of the brand's own data (`alerts.spike`: refitted at each UTC midnight, kept only when
fitted on 24 real hours), so a brand added today has none until after its second UTC midnight, up to ~48 hours.
A manager often adds a brand *because* something is happening; silence until then is wrong, and so is a ratio to
a rate nobody has measured. Until a baseline exists a bucket is judged on what is known:

- many negatives in absolute terms (`FIRST_DAY_MIN_NEGATIVE` in the bucket): with no usual level, a count
  alone cannot say "unusual", so it must be large enough to matter to anyone;
- most posts negative (`FIRST_DAY_MIN_SHARE`): the share is the one signal that does not grow with the brand's
  size; an ordinary hour of a brand reads about a third negative (Apple's usual share in its stream is 33%),
  and a ~70%-accurate classifier reads a crisis's posts 50-55% negative (docs/alerts.md, busy guard);
- a share test: the bucket's negatives against the share known so far, the detector's prior (`SHARE_PRIOR`
  negative, weighing `SHARE_PRIOR_POSTS` posts) updated with every post the brand had before the bucket, or inside
  an open episode before the episode (`alerts.spike`, as a baseline leaves episodes out: a crisis's first hour
  must not set the share its next, bigger hour is tested against); beta-binomial, the share's wobble at
  `FIRST_DAY_RHO` (what `alerts.baseline` assumes when it has too few buckets to measure it), with -log10 p of
  at least `FIRST_DAY_SCORE`.

An open episode escalates on a bucket that passes the rule and grows as any episode must (`alerts.spike`,
`_Episode.grows`). Its alerts (kind `spike`, `detector` "first_day") give the counts and the share and never an
expected count or a ratio: `Alert.expected` is 0 and says nothing (`alerts.spike_detector` words them).
"""

from __future__ import annotations

from dataclasses import dataclass

from alerts.baseline import SHARE_PRIOR, SHARE_PRIOR_POSTS
from alerts.stats import share_tail

FIRST_DAY = "first_day"  # the `Alert.detector` (and `statistic`) of a first-day alert and of its episode's all-clear
FIRST_DAY_MIN_NEGATIVE = 20  # negatives in one bucket
FIRST_DAY_MIN_SHARE = 0.5  # of the bucket's posts
FIRST_DAY_SCORE = 3.0  # -log10 p of the share test (p < 0.001)
FIRST_DAY_RHO = 0.01  # the share's bucket-to-bucket wobble, not measurable yet (alerts.baseline._share_dispersion)


@dataclass(frozen=True)
class FirstDayVerdict:
    """One bucket judged by the first-day rule."""

    fires: bool  # opens an episode (or escalates one)
    active: bool  # keeps an open episode open: still many negatives, still mostly negative
    p_value: float  # the share test's
    score: float  # -log10 p_value
    known_share: float  # the share it was tested against: the prior updated with the brand's posts so far


def known_share(seen_negative: float, seen_total: float) -> float:
    """The negative share known before a bucket: the prior (`SHARE_PRIOR`, weighing `SHARE_PRIOR_POSTS` posts)
    updated with the brand's own posts so far."""
    return (seen_negative + SHARE_PRIOR * SHARE_PRIOR_POSTS) / (seen_total + SHARE_PRIOR_POSTS)


def judge(negative: float, total: float, seen_negative: float, seen_total: float) -> FirstDayVerdict:
    """The first-day rule on one bucket (`negative` of `total` posts), the brand having had `seen_negative` of
    `seen_total` posts before it (inside an open episode, before the episode: `alerts.spike._first_day`)."""
    share = negative / total if total else 0.0
    reference = known_share(seen_negative, seen_total)
    many = negative >= FIRST_DAY_MIN_NEGATIVE and share >= FIRST_DAY_MIN_SHARE
    p, score = share_tail(int(negative), int(total), reference, FIRST_DAY_RHO) if many else (1.0, 0.0)
    active = negative >= FIRST_DAY_MIN_NEGATIVE / 2 and share >= FIRST_DAY_MIN_SHARE
    return FirstDayVerdict(many and score >= FIRST_DAY_SCORE, active, p, score, reference)
