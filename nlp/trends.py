"""Rising themes: the one definition the digest, the report and the dashboard share.

A window's theme counts are compared with a *baseline*: the span just before the window, as long
as the window but at least `BASELINE_MIN` (a day is compared with the week before it, so one
quiet or busy yesterday does not decide; a month with the month before; a window of whole local days with
whole local days, however many hours a clock change gave them: `baseline_window`). A caller may end the
baseline earlier than the window's start (`baseline_until`: an alert during a crisis compares with
the days before the crisis began, not with its own first hours). The baseline's count is scaled to
the window's length, giving `expected`. Then, per theme:

- `score`  = (count - expected) / sqrt(expected + 1): the rise in units of the Poisson noise of
  the expected count, so 2 → 6 ranks below 100 → 180 and a new theme with volume ranks high;
- `growth` = (count + 1) / (expected + 1): the ratio people read ("×4"), for display;
- `new`    : the theme does not occur in the baseline at all.

A theme is *rising* when it has at least `MIN_COUNT` mentions in the window and a score of at
least `MIN_RISE_SCORE`, and has a topic: a `mixed posts` theme (nlp/theme_labels.py: posts with no
common phrase or word) rising says only that volume rose, which the alerts and counts say already.
Candidates are the window's `CANDIDATES` most mentioned themes; rising ones are ranked by score,
then count, then name. A baseline before a store's data (a new install) makes every theme rise or look new: a
caller that knows which of the baseline's days have data (the reports' coverage rule) passes that on through
`Trends.covering`, which reads a partly covered baseline at its daily rate and judges nothing over too few days.
Pure functions over counts: `trends` takes the function that fetches them
(a store's top_themes), so nlp needs no store.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.local_days import days_earlier, whole_days
from nlp.theme_labels import is_mixed

BASELINE_MIN = timedelta(days=7)
MIN_RISE_SCORE = 2.0
MIN_COUNT = 3
CANDIDATES = 50  # the window's most mentioned themes that may rise
BASELINE_THEMES = 200  # how many of the baseline's themes are counted (the rest count as 0: new)

# (since, until, n) -> the n most mentioned themes in [since, until) with their counts.
ThemeCounts = Callable[[datetime, datetime, int], Mapping[str, int]]


@dataclass(frozen=True)
class Rise:
    """One theme of a window against its baseline."""

    theme: str
    count: int
    expected: float  # the baseline's count scaled to the window's length
    new: bool  # not in the baseline at all

    @property
    def score(self) -> float:
        return (self.count - self.expected) / math.sqrt(self.expected + 1)

    @property
    def growth(self) -> float:
        return (self.count + 1) / (self.expected + 1)

    @property
    def change(self) -> float:
        return self.count - self.expected


def baseline_window(
    since: datetime, until: datetime, baseline_until: datetime | None = None, tz: str | None = None
) -> tuple[datetime, datetime]:
    """The span a window [since, until) is compared with: just before it (or ending at `baseline_until`,
    when that is earlier), as long as the window but at least `BASELINE_MIN`. A window of whole local days of `tz`
    (both ends local midnights: the digest's day, a dashboard view of dates) is compared with whole local days,
    as many but at least `BASELINE_MIN`'s (`core.local_days`): the day after a clock change with the 7 local days
    before it, not with 168 hours that start at 01:00 or 23:00. Any other window (hourly, rolling, an alert's)
    steps back a fixed length."""
    end = since if baseline_until is None else min(since, baseline_until)
    days = whole_days(since, until, tz)
    if days is None or tz is None:
        return end - max(until - since, BASELINE_MIN), end
    return days_earlier(end, max(days, BASELINE_MIN.days), tz), end


def compare(now: Mapping[str, int], before: Mapping[str, int], scale: float) -> list[Rise]:
    """Every theme of `now` against `before` (counts over a baseline `1/scale` times the window's
    length), most mentioned first."""
    ranked = sorted(now.items(), key=lambda kv: (-kv[1], kv[0]))
    return [Rise(theme, count, before.get(theme, 0) * scale, theme not in before) for theme, count in ranked]


def rising(themes: list[Rise], min_count: int = MIN_COUNT) -> list[Rise]:
    """The rising ones among `compare`'s themes, best first (the rule is in the module docstring)."""
    found = [r for r in themes[:CANDIDATES]
             if r.count >= min_count and r.score >= MIN_RISE_SCORE and not is_mixed(r.theme)]
    return sorted(found, key=lambda r: (-r.score, -r.count, r.theme))


@dataclass(frozen=True)
class Trends:
    """A window's themes against its baseline."""

    since: datetime
    until: datetime
    baseline_since: datetime
    baseline_until: datetime
    themes: list[Rise]  # every counted theme of the window, most mentioned first
    # False: the baseline has too few days with data to judge from, so nothing is rising or new (`covering`)
    judged: bool = True

    def rising(self, min_count: int = MIN_COUNT) -> list[Rise]:
        return rising(self.themes, min_count) if self.judged else []

    def covering(self, scale: float | None) -> Trends:
        """These trends against a baseline that has data on only some of its days (a new install, a brand added
        later; the caller applies the reports' coverage rule): `scale` is its days over the days with data, so
        `expected` is the baseline's daily rate at its length; None when too few days have data: nothing is
        judged rising or new, as a baseline of none or two days would make every theme rise."""
        if scale is None:
            return replace(self, judged=False)
        if scale == 1:
            return self
        return replace(self, themes=[replace(r, expected=r.expected * scale) for r in self.themes])


def trends(
    counts: ThemeCounts,
    since: datetime,
    until: datetime,
    n: int = CANDIDATES,
    now: Mapping[str, int] | None = None,
    baseline_until: datetime | None = None,
    tz: str | None = None,
) -> Trends:
    """The `n` (at least `CANDIDATES`) most mentioned themes of [since, until) against the baseline
    (`baseline_window`, ending at `baseline_until` when given; whole local days of `tz` for a window of whole
    local days), with counts from `counts` (a store's top_themes, so nlp needs no store). Pass `now` when the
    window's counts are already fetched (at least `CANDIDATES` of them)."""
    start, end = baseline_window(since, until, baseline_until, tz)
    now = counts(since, until, max(n, CANDIDATES)) if now is None else now
    before = counts(start, end, BASELINE_THEMES)
    return Trends(since, until, start, end, compare(now, before, _length_ratio(since, until, start, end, tz)))


def _length_ratio(since: datetime, until: datetime, start: datetime, end: datetime, tz: str | None) -> float:
    """The window's length over the baseline's: in local days when both are whole local days of `tz` (a 25-hour
    day is one day of a 7-day baseline, as the reports count days), else in time."""
    days, baseline_days = whole_days(since, until, tz), whole_days(start, end, tz)
    if days is not None and baseline_days is not None:
        return days / baseline_days
    return (until - since) / (end - start)
