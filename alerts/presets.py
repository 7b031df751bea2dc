"""Sensitivity presets: what 'fewer', 'balanced' and 'more' alerts mean in numbers.

The numbers were chosen on the seeded evaluation streams (`python -m tools.alerts.evaluate`,
results in docs/alerts.md); raw fields in `SpikeRule` override any of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from alerts.config import AlertsConfig, BrandAlerts, SpikeRule, rules_for


@dataclass(frozen=True)
class SpikeThresholds:
    threshold: float  # count test, -log10 p
    share_threshold: float  # share test, -log10 p
    min_share_ratio: float
    min_negative: int
    critical_threshold: float  # count-test score that makes an alert critical...
    critical_ratio: float  # ...when observed is also this multiple of expected
    slow: str  # "off" | "cusum" | "ewma"
    cusum_k: float
    cusum_h: float
    ewma_lambda: float
    ewma_limit: float
    min_dispersion: float  # floor on the negative-binomial dispersion: real counts are never purely Poisson
    # Distinct authors the alerting negatives need (`alerts.authors`): one customer's six-post thread is not a
    # brand spike. Chosen by rule, not tuned: the evaluation streams are counts without authors, so it changes
    # none of their figures; at least 2 everywhere, so no preset lets one person raise a brand spike.
    min_authors: int = 3


PRESETS: dict[str, SpikeThresholds] = {
    "fewer": SpikeThresholds(6.0, 3.0, 1.5, 8, 12.0, 4.0, "cusum", 1.0, 10.0, 0.3, 4.0, 0.05, min_authors=4),
    "balanced": SpikeThresholds(3.0, 1.3, 1.3, 5, 10.0, 4.0, "cusum", 0.75, 2.2, 0.3, 3.5, 0.03, min_authors=3),
    "more": SpikeThresholds(2.5, 1.3, 1.15, 3, 8.0, 3.0, "cusum", 0.75, 2.0, 0.3, 3.0, 0.02, min_authors=2),
}


def resolve(rule: SpikeRule) -> SpikeThresholds:
    """The preset's thresholds with the rule's raw overrides applied."""
    base = PRESETS[rule.preset]
    return SpikeThresholds(
        threshold=rule.threshold if rule.threshold is not None else base.threshold,
        share_threshold=rule.share_threshold if rule.share_threshold is not None else base.share_threshold,
        min_share_ratio=rule.min_share_ratio if rule.min_share_ratio is not None else base.min_share_ratio,
        min_negative=rule.min_negative if rule.min_negative is not None else base.min_negative,
        critical_threshold=base.critical_threshold,
        critical_ratio=base.critical_ratio,
        slow=rule.slow if rule.slow is not None else base.slow,
        cusum_k=rule.cusum_k if rule.cusum_k is not None else base.cusum_k,
        cusum_h=rule.cusum_h if rule.cusum_h is not None else base.cusum_h,
        ewma_lambda=rule.ewma_lambda,
        ewma_limit=rule.ewma_limit if rule.ewma_limit is not None else base.ewma_limit,
        min_dispersion=base.min_dispersion,
        min_authors=rule.min_authors if rule.min_authors is not None else base.min_authors,
    )


def brand_rules_shown(config: AlertsConfig, brand: Any) -> dict[str, Any]:
    """What `groundswell config show` prints for `brand`: what it sets for itself (`own`, as written in
    `brands[].alerts`), and the rules that judge it (`alerts.config.rules_for`), its spike preset resolved to the
    numbers the detector uses (`spike_thresholds`)."""
    rules = rules_for(config, brand)
    own = brand.alerts.written() if isinstance(getattr(brand, "alerts", None), BrandAlerts) else {}
    return {
        "brand": brand.name,
        "own": own,
        "enabled": rules.enabled,
        "spike": rules.spike.model_dump(),
        "spike_thresholds": asdict(resolve(rules.spike)),
        "keyword": rules.keyword.model_dump(),
        "influencer": rules.influencer.model_dump(),
    }
