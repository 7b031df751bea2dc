"""Keyword alerts: a brand's crisis words ('recall', 'lawsuit', ...) suddenly in use.

Works on one count series per term (mentions of the brand containing the term, per bucket).
A bucket fires when the term appears at least `min_mentions` times and that count is improbable
under the term's own usual rate (Poisson, rate from the history with a small prior), so a word
the brand's fans use every day ('broken record') does not page anyone.
"""

from __future__ import annotations

import numpy as np

from alerts.config import KeywordRule
from alerts.series import CountSeries
from alerts.stats import count_tail
from core.alert import Alert, Detection


def detect_keyword(
    counts: CountSeries, brand: str, term: str, rule: KeywordRule | None = None, history_buckets: int = 14 * 24
) -> list[Detection]:
    """Keyword alerts for one term; `counts.negative` holds the term's (negative) mentions per bucket."""
    rule = rule or KeywordRule()
    x = counts.negative
    out: list[Detection] = []
    last_alert = -(10**9)
    cumsum = np.concatenate([[0.0], np.cumsum(x)])
    warmup = 24 if counts.interval == "hour" else 7  # a term's usual rate needs a day of history
    for i in range(warmup, len(x)):
        observed = float(x[i])
        if observed < rule.min_mentions or i - last_alert <= rule.cooldown_buckets:
            continue
        lo = max(0, i - history_buckets)
        span = i - lo
        # Prior: half a mention per day, so a never-seen word has a small, non-zero rate.
        rate = (float(cumsum[i] - cumsum[lo]) + 0.5) / (span + warmup)
        expected = rate * float(counts.coverage[i])
        p_value, score = count_tail(observed, expected, 0.0)
        if score < rule.threshold:
            continue
        severity = "critical" if score >= 3 * rule.threshold and observed >= 3 * rule.min_mentions else "warning"
        end = counts.time(i) + counts.step
        alert = Alert(
            kind="keyword",
            brand=brand,
            severity=severity,
            window_start=counts.time(i),
            window_end=end,
            observed=observed,
            expected=round(expected, 3),
            statistic="poisson",
            score=round(score, 3),
            p_value=p_value,
            subject=term,
            detector="keyword",
            # What `counts` held, so the explanation and the Explore link show the counted posts.
            counted_sentiment="negative" if rule.negative_only else None,
        )
        out.append(Detection(alert, end, i))
        last_alert = i
    return out
