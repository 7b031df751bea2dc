"""Alert rules and delivery channels as they appear in `groundswell.yaml`.

Rules hold *what the user chose*: a sensitivity preset plus optional raw overrides.
`alerts.presets.resolve` turns a rule into the concrete thresholds detectors use. A brand may set its own rules
(`BrandAlerts`, `brands[].alerts`); `rules_for` merges them over the global ones.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from email.utils import getaddresses
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Discriminator, Field, Tag, field_validator

from alerts.quiet_hours import QuietHours
from alerts.routing import RouteRule
from core.query.aliases import InflectedName, Name
from core.strict import StrictModel as _Strict

# Upper bounds for durations: larger values are typos (1e308 s) that would overflow sleep/timedelta.
MAX_WAIT_S = 3600.0
MAX_BUCKETS = 10_000

Preset = Literal["fewer", "balanced", "more"]


class SpikeRule(_Strict):
    """Negative-volume spike against a seasonal (hour-of-day x day-of-week) baseline.

    A bucket is anomalous when its negative count is improbably high for the baseline
    (negative-binomial tail) AND the negative share is improbably high (binomial tail):
    a viral positive post raises volume but not the share, so it never fires.
    """

    preset: Preset = "balanced"
    bucket: Literal["hour", "day"] = "hour"
    baseline_days: int = Field(default=14, ge=1, le=90, description="History the baseline learns from")
    min_negative: int | None = Field(default=None, ge=1, description="Fewer negatives in a bucket never alert")
    min_authors: int | None = Field(
        default=None,
        ge=1,
        le=MAX_BUCKETS,
        description="Negatives written by fewer distinct authors never alert (one person's thread is not a brand "
        "spike); default from the preset, 1 turns it off",
    )
    threshold: float | None = Field(
        default=None, gt=0, description="Override the preset's count-test threshold, as -log10(p-value)"
    )
    share_threshold: float | None = Field(
        default=None, gt=0, description="Override the preset's share-test threshold, as -log10(p-value)"
    )
    min_share_ratio: float | None = Field(
        default=None, ge=1.0, description="Negative share must be at least this multiple of its baseline"
    )
    cooldown_buckets: int = Field(
        default=6, ge=0, le=MAX_BUCKETS, description="Quiet buckets after an all-clear before a new alert"
    )
    clear_after: int = Field(default=3, ge=1, le=MAX_BUCKETS, description="Normal buckets in a row that end an episode")
    escalate_ratio: float = Field(
        default=2.0, gt=1.0, description="Re-alert when a bucket's negatives exceed the last alerted peak by this"
    )
    slow: Literal["off", "cusum", "ewma"] | None = Field(
        default=None, description="Detector for slow-building crises; default from the preset"
    )
    cusum_k: float | None = Field(default=None, gt=0, description="CUSUM allowance (in standard deviations)")
    cusum_h: float | None = Field(default=None, gt=0, description="CUSUM decision limit")
    ewma_lambda: float = Field(default=0.3, gt=0, le=1)
    ewma_limit: float | None = Field(default=None, gt=0, description="EWMA limit (in EWMA standard deviations)")


class KeywordRule(_Strict):
    """Crisis words (`BrandConfig.crisis_terms`): alert when one is suddenly used."""

    enabled: bool = True
    min_mentions: int = Field(default=3, ge=1, description="Mentions of a term in one bucket needed to alert")
    negative_only: bool = Field(default=True, description="Count only negative mentions of the term")
    threshold: float = Field(default=3.0, gt=0, description="-log10(p) of the count vs the term's usual rate")
    cooldown_buckets: int = Field(default=24, ge=0, le=MAX_BUCKETS)


class TermGroup(_Strict):
    """Crisis terms counted as one series (`brands[].crisis_terms`), e.g. one crisis in several languages:
    `{name: overheating, any: [overheating, 过热, {text: перегрев, inflect: ru}]}`. A post with any of the
    terms counts once; its keyword alerts are named (`Alert.subject`) by `name`."""

    name: str = Field(min_length=1, description="The series' name: its keyword alerts' subject")
    any: list[Name] = Field(min_length=1, description="Its terms, each written as a crisis term is")


def _term_shape(value: Any) -> str:
    if isinstance(value, str):
        return "term"
    group = isinstance(value, TermGroup) or (isinstance(value, dict) and ("any" in value or "name" in value))
    return "group" if group else "mapping"


# A crisis term: a word or phrase, `{text: ..., inflect: ...}` (the shapes an alias takes), or a group of them.
CrisisTerm = Annotated[
    Annotated[str, Tag("term")] | Annotated[InflectedName, Tag("mapping")] | Annotated[TermGroup, Tag("group")],
    Discriminator(_term_shape),
]


class InfluencerRule(_Strict):
    """An author with a large audience posting negatively about the brand."""

    enabled: bool = True
    min_followers: int = Field(default=50_000, ge=1)
    min_engagement: int = Field(default=0, ge=0)


class AlertsConfig(_Strict):
    """`alerts:`. A key beyond these is the rule of a registered detector (`alerts.kinds`), checked there."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    spike: SpikeRule = Field(default_factory=SpikeRule)
    keyword: KeywordRule = Field(default_factory=KeywordRule)
    influencer: InfluencerRule = Field(default_factory=InfluencerRule)
    enabled: bool = True
    recent_buckets: int = Field(
        default=3, ge=1, le=MAX_BUCKETS, description="A scheduled run reports alerts raised in this many latest buckets"
    )
    split_by: list[Literal["source", "lang"]] = Field(
        default_factory=list,
        description="Also run the spike detector per source / per language (alerts only where the brand "
        "as a whole is quiet, e.g. a crisis confined to one language community)",
    )
    split_min_share: float = Field(
        default=0.05, gt=0, le=1, description="Only split out sources/languages with at least this share of volume"
    )
    incident_gap_hours: float = Field(
        default=12.0,
        gt=0,
        le=24 * 365,
        description="Alerts of a brand less than this apart (or while a spike episode is open) form one incident",
    )


# The rules a brand may set for itself (`brands[].alerts`); the rest of `alerts:` (buckets reported, splits,
# incident gap, the rules of other detectors) is one setting for every brand.
BRAND_RULES = ("spike", "keyword", "influencer")


class BrandAlerts(_Strict):
    """`brands[].alerts`: the brand's own alert rules, written as the global `alerts:` rules are and validated by the
    same models, holding only what differs: each field it sets replaces the global rule's, one by one, and every
    field it leaves out keeps the global value (`rules_for`). `enabled: false` silences the brand; `true` alerts on
    it even when `alerts.enabled` is false."""

    enabled: bool | None = Field(default=None, description="Alert on this brand (default: alerts.enabled)")
    spike: SpikeRule | None = Field(default=None, description="Fields of alerts.spike that differ for this brand")
    keyword: KeywordRule | None = Field(default=None, description="Fields of alerts.keyword that differ")
    influencer: InfluencerRule | None = Field(default=None, description="Fields of alerts.influencer that differ")

    def written(self) -> dict[str, Any]:
        """What it sets, as written (`{"spike": {"preset": "more"}}`): for `config show` and the backtest."""
        out: dict[str, Any] = {}
        if self.enabled is not None:
            out["enabled"] = self.enabled
        for name in BRAND_RULES:
            rule = getattr(self, name)
            if rule is not None and rule.model_fields_set:
                out[name] = rule.model_dump(include=rule.model_fields_set)
        return out

    def forcing(self, rule: str, values: Mapping[str, Any]) -> BrandAlerts:
        """A copy whose `rule` (e.g. "spike") also sets `values`: for a command-line override that must hold for
        every brand (`groundswell alerts backtest --preset`), its own rules included."""
        own = self.written().get(rule, {})
        return self.model_validate({**self.written(), rule: {**own, **values}})


def shared_by_every_brand(key: str, detectors: Collection[str]) -> bool:
    """Whether `key` is a key of `alerts:` that is one setting for every brand, so not one a brand's `alerts:` may
    hold: a field of `AlertsConfig` a brand cannot set (`recent_buckets`, `split_by`, ...), or the rule of one of
    `detectors` (the registered detectors' names: `viral`, `silence`, ...)."""
    return key not in BrandAlerts.model_fields and (key in AlertsConfig.model_fields or key in detectors)


def own_rules_note(config: AlertsConfig, own: BrandAlerts) -> str | None:
    """One line saying what `own` (a brand's `alerts:`) changes from the global `config`, each field with the global
    value it replaces (`spike.preset: more (alerts: balanced)`); None when it sets nothing."""
    def shown(value: Any) -> str:  # as YAML writes it: `false`, `null`
        return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)

    parts = []
    for name, changes in own.written().items():
        if name == "enabled":
            parts.append(f"enabled: {shown(changes)} (alerts: {shown(config.enabled)})")
            continue
        base = getattr(config, name)
        parts += [f"{name}.{field}: {shown(value)} (alerts: {shown(getattr(base, field))})"
                  for field, value in changes.items()]
    return "own alert rules: " + "; ".join(parts) if parts else None


def rules_for(config: AlertsConfig, brand: object) -> AlertsConfig:
    """The alert rules that judge `brand`: the global `config` with the brand's own `alerts:` (`BrandAlerts`, its
    `alerts` attribute; none: the global rules) merged over it field by field. The one place a brand's rules come
    from: detection, the backtest, scheduled runs' notes and `config show` all ask it. Merging twice changes
    nothing, so a caller may pass rules already merged."""
    own = getattr(brand, "alerts", None)
    if not isinstance(own, BrandAlerts):
        return config
    update: dict[str, Any] = {}
    for name, changes in own.written().items():
        if name == "enabled":
            update[name] = changes
            continue
        base = getattr(config, name)
        # Validated again as a whole: each field was checked alone when the config was read.
        update[name] = type(base).model_validate({**base.model_dump(), **changes})
    return config.model_copy(update=update) if update else config


class _Channel(_Strict):
    name: str | None = Field(default=None, description="Distinct name when two channels share a type")
    min_severity: Literal["info", "warning", "critical"] = "info"
    followups: Literal["all", "major", "none"] = Field(
        default="major",
        description="Alerts after the first of an incident: send all, only major ones (spikes, escalations, "
        "all-clears, anything critical), or none",
    )
    retries: int = Field(default=3, ge=0, le=10)
    backoff_s: float = Field(
        default=1.0, ge=0, le=MAX_WAIT_S, description="First retry delay; doubles each retry"
    )
    route: RouteRule | None = Field(
        default=None, description="Which alerts (and which brands' reports) this channel gets (alerts.routing)"
    )
    quiet_hours: QuietHours | None = Field(
        default=None, description="When only alerts at or above its min_severity go; the others wait for its end"
    )

    # A rejected value is never repeated in a validation error: a misplaced `*_env` value is often the secret.
    model_config = ConfigDict(hide_input_in_errors=True)

    @property
    def key(self) -> str:
        return self.name or self.type  # type: ignore[attr-defined]


class ConsoleChannel(_Channel):
    type: Literal["console"]


class JsonlChannel(_Channel):
    type: Literal["jsonl"]
    path: str = ".groundswell/alerts.jsonl"


class WebhookChannel(_Channel):
    """Slack incoming webhook, Microsoft Teams workflow webhook, or any JSON webhook.

    The URL is a secret, so it comes from the environment variable `url_env` names.
    """

    type: Literal["webhook", "slack", "teams"]
    url_env: str = Field(min_length=1, description="Environment variable holding the webhook URL")
    timeout_s: float = Field(
        default=10.0, gt=0, le=MAX_WAIT_S,
        description="The longest one request may take, connection, answer and all (a receiver dripping its answer "
        "is cut off there: alerts.channels.webhook)",
    )
    secret_env: str | None = Field(
        default=None,
        description="Environment variable holding a shared secret: each POST is signed with HMAC-SHA256 over "
        "'<timestamp>.<body>' in the X-Groundswell-Signature header (docs/alerts.md, 'Webhook authenticity')",
    )
    auth_header_env: str | None = Field(
        default=None,
        description="Environment variable whose value is sent as the Authorization header (e.g. 'Bearer <token>' "
        "for an incident tool's inbound API)",
    )


class EmailChannel(_Channel):
    """SMTP email. STARTTLS when `starttls`, implicit TLS when `ssl`; password from `password_env`."""

    type: Literal["email"]
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    sender: str = Field(min_length=3, alias="from")
    to: list[str] = Field(min_length=1)
    username: str | None = None
    password_env: str | None = Field(default=None, description="Environment variable holding the SMTP password")
    starttls: bool = True
    ssl: bool = False
    timeout_s: float = Field(default=10.0, gt=0, le=MAX_WAIT_S)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("sender")
    @classmethod
    def _sender_is_an_address(cls, value: str) -> str:
        problem = address_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("to")
    @classmethod
    def _recipients_are_addresses(cls, value: list[str]) -> list[str]:
        problems = [f"item {i}: {p}" for i, item in enumerate(value) if (p := address_problem(item))]
        if problems:
            raise ValueError("; ".join(problems))
        return value


# Permissive on purpose: the SMTP server is the judge of an address; this only catches what is no address.
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")


def address_problem(value: str) -> str | None:
    """Why `value` is not one email address (`name@domain` or `Name <name@domain>`, as `email.utils` reads the
    From and To headers smtplib sends to), or None."""
    pairs = getaddresses([value])
    if len(pairs) == 1 and _ADDRESS.fullmatch(pairs[0][1]):
        return None
    shown = value if len(value) <= 80 else value[:77] + "..."
    many = " (one address per item)" if len(pairs) > 1 else ""
    return f"'{shown}' is not an email address{many}: write name@example.org or \"Name <name@example.org>\""


ChannelConfig = ConsoleChannel | JsonlChannel | WebhookChannel | EmailChannel
