"""Keyword alerts: a brand's crisis words ('recall', 'lawsuit', ...) suddenly in use.

Works on one count series per term (mentions of the brand containing the term, per bucket).
A bucket fires when the term appears at least `min_mentions` times and that count is improbable
under the term's own usual rate (Poisson, rate from the history with a small prior), so a word
the brand's fans use every day ('broken record') does not page anyone.
"""

from __future__ import annotations

import logging

import numpy as np

from alerts.config import KeywordRule
from alerts.detector import DetectContext, Detector, Kind
from alerts.series import CountSeries
from alerts.stats import count_tail
from alerts.wording import p_text, phrase, when
from core.alert import Alert, Detection
from core.query import QuerySyntaxError
from indexing.base import Filters

log = logging.getLogger(__name__)


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


class KeywordDetector(Detector):
    """One count series per crisis term of the brand (`BrandConfig.crisis_terms`)."""

    name = "keyword"
    kinds = {"keyword": Kind("Crisis keyword")}
    rule_model = KeywordRule

    def detect(self, ctx: DetectContext) -> list[Detection]:
        rule: KeywordRule = self.rule(ctx.config)
        history = ctx.config.spike.baseline_days * (24 if ctx.interval == "hour" else 1)
        out: list[Detection] = []
        for term in dict.fromkeys(t.strip() for t in ctx.brand.crisis_terms if t.strip()):
            counted = ctx.base.replace(text=phrase(term), sentiment="negative" if rule.negative_only else None)
            try:
                term_series = ctx.counts(counted)
            except QuerySyntaxError as exc:
                # The config refuses such a term; one that reached here anyway (an older config object) must
                # not take the brand's other terms and detectors down with it.
                log.error("%s: crisis term %r is not searchable (%s); skipped", ctx.brand.name, term, exc)
                continue
            if not rule.negative_only:
                term_series.negative = term_series.total
            out += detect_keyword(term_series, ctx.brand.name, term, rule, history)
        return out

    def filters(self, alert: Alert, base: Filters) -> Filters:
        """Mentions containing the term, of the sentiment the rule counted (all, unless `negative_only`)."""
        return base.replace(text=phrase(alert.subject) if alert.subject else None, sentiment=alert.counted_sentiment)

    def terms(self, alert: Alert, terms: list[str]) -> list[str]:
        if not alert.subject:
            return terms
        # The crisis term is what the alert is about: first, then what else stood out with it.
        return [alert.subject] + [t for t in terms if t.lower() != alert.subject.lower()][:7]

    def title(self, alert: Alert) -> str:
        return "Crisis keyword" + (f" “{alert.subject}”" if alert.subject else "")

    def describe(self, alert: Alert) -> list[str]:
        return [
            f"{alert.brand}: crisis term “{alert.subject}” in {alert.observed:.0f} mentions during {when(alert)}, "
            f"vs {alert.expected:.1f} usual (Poisson p = {p_text(alert.p_value)})."
        ]
