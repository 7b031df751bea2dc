"""The detector protocol: what one alert kind must say about itself.

A detector turns a brand's stored mentions into alerts (`detect`), names the alert kinds it emits
and how each reads (`kinds`), and says which mentions an alert is about (`filters`) and how its
summary opens (`describe`). Everything else — scheduling, the recent-only cut, incidents,
explanations, rendering, delivery, backtests — works from this protocol and never names a kind.
Detectors are listed in `alerts.kinds`; docs/alerts.md#adding-an-alert-kind shows a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel

from alerts.config import AlertsConfig
from alerts.series import STEP, CountSeries, from_buckets
from alerts.wording import number
from core.alert import Alert, Detection
from indexing.base import Filters, Store


@dataclass(frozen=True)
class Kind:
    """How the rest of the system treats one alert kind."""

    title: str  # the message's headline word: "Negative spike"
    major: bool = False  # a follow-up worth interrupting for even when not critical (`followups: major`)
    # Only its first alert of an incident on a channel is major; later ones fold under `followups: major` unless
    # critical (`alerts.delivery_plan.passed_over`): a crisis with dozens of viral posts is one message, not dozens.
    first_major: bool = False
    crisis: bool = False  # its episodes make an incident a crisis and keep it open until closed
    closes: bool = False  # it ends the episode named by its `episode_id` (an all-clear)
    details: bool = True  # its summary goes on with the store's explanation (mix, terms, top post)
    # Alerts of one brand and one thread form incidents together: good news ("opportunity") never
    # opens the thread a crisis then lands in as an "update", nor joins a crisis's thread.
    thread: str = "crisis"


@dataclass
class DetectContext:
    """One brand's detection run: the store, the rules and the brand's whole count series."""

    store: Store
    brand: Any  # alerts.detect.BrandLike: `.name` and `.crisis_terms`
    config: AlertsConfig
    base: Filters  # the brand and the run's time range
    series: CountSeries  # the brand's counts, the time axis every detector aligns to
    now: datetime | None
    # The sources configured to collect this brand's mentions (`Mention.source` values); None: not known, so
    # every source that brought some is judged (groundswell.targets.collected_sources says when).
    collected_sources: frozenset[str] | None = None

    @property
    def interval(self) -> str:
        return self.config.spike.bucket

    @property
    def step(self) -> timedelta:
        return STEP[self.interval]

    def counts(self, filters: Filters) -> CountSeries:
        """The counts of `filters`' mentions on the brand series' time axis."""
        end = self.series.start + len(self.series) * self.step
        return from_buckets(
            self.store.histogram(filters, self.interval), self.interval, self.series.start, end, self.now
        )


class Detector:
    """Base of every detector; a subclass sets `name`, `kinds` and `rule_model` and implements `detect`."""

    name: ClassVar[str]  # its rule's key under `alerts:` in groundswell.yaml
    kinds: ClassVar[dict[str, Kind]]  # every alert kind it emits
    rule_model: ClassVar[type[BaseModel]]
    # A scheduled run keeps its alerts decided within this long before `now` (posts that arrive
    # late); None: only alerts of the latest `alerts.recent_buckets` buckets.
    late: ClassVar[timedelta | None] = None
    # Its alerts carry their own driving post: the explanation does not look for top posts.
    carries_posts: ClassVar[bool] = False

    def rule(self, config: AlertsConfig) -> Any:
        """Its rule: `alerts.<name>` of the config (defaults when absent)."""
        value = getattr(config, self.name, None) or {}  # a kind's rule absent from the config: defaults
        return value if isinstance(value, self.rule_model) else self.rule_model.model_validate(value)

    def enabled(self, config: AlertsConfig) -> bool:
        """Whether it runs: its rule's `enabled`, true when the rule has none."""
        return bool(getattr(self.rule(config), "enabled", True))

    def reads_sentiment(self, config: AlertsConfig) -> bool:
        """Whether its alerts, under `config`'s rule, depend on the posts' sentiment labels: those are held back
        where labels are missing (`alerts.detect.detections`' `unlabelled_from`). True unless a detector says not,
        so a new one that forgets to say is held back rather than judging unlabelled posts as not negative."""
        return True

    def detect(self, ctx: DetectContext) -> list[Detection]:
        """Every alert over `ctx.series`' whole span (the caller cuts to recent ones)."""
        raise NotImplementedError

    def filters(self, alert: Alert, base: Filters) -> Filters:
        """The mentions `alert` is about, given the brand, window and slice in `base`: its negatives."""
        return base.replace(sentiment="negative")

    def terms(self, alert: Alert, terms: list[str]) -> list[str]:
        """The over-represented terms to show, given the store's (most significant first)."""
        return terms

    def title(self, alert: Alert) -> str:
        """The message's headline words, before the brand."""
        return self.kinds[alert.kind].title if alert.kind in self.kinds else alert.kind

    def measured(self, alert: Alert) -> list[tuple[str, str]]:
        """The message's fact rows saying what was measured (`alerts.render.facts`): by default the count
        observed against the count expected, and the test that judged them."""
        p_value = f", p = {alert.p_value:.2g}" if alert.p_value is not None else ""
        return [
            ("Observed / expected", f"{number(alert.observed)} / {number(alert.expected)}"),
            ("Test", f"{alert.statistic}, score {number(alert.score)}{p_value}"),
        ]

    def describe(self, alert: Alert, tz: str = "UTC") -> list[str]:
        """The sentences that open the alert's summary (the explanation follows); times on the wall clock of `tz`
        (`alerts.wording.when`): UTC in the stored summary, the team's zone in what people read."""
        return [f"{alert.brand}: {self.title(alert)} ({alert.statistic} = {alert.score:g})."]
