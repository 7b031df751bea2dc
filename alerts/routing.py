"""Which alerts a channel gets: the `route:` rule of a channel, and the one function that applies it.

A rule narrows a channel by brand, alert kind, severity, language and crisis term or theme.
Within a key the listed values are alternatives (OR); across keys every given key must match
(AND); a key left out matches everything, and a channel without `route:` gets every alert.
`exclude_brands` is the one deny-list: a brand it names never reaches the channel, whatever else matches
(muting 1 brand of 15 for good without listing the other 14 in `brands`; for a while, `groundswell alerts mute`,
alerts.mute).
`routes(alert, rule)` is the single decision, used by delivery and by `groundswell alerts routes`,
and it says why, so a skipped alert is explained, not silently missing. A refusal also says which of
the alert's facts it rests on (`RouteDecision.facts`), so delivery keeps it only while they hold. The
kinds and brands a rule names are checked against the registry and the config by
`alerts.kinds.route_problems`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator

from core.alert import SEVERITY_RANK, Alert
from core.strict import StrictModel

# A brand-wide alert has no single language; a language counts as the alert's when at least
# this share of its driving mentions is in it (a crisis in a minority language community
# still reaches that community's channel, a stray post in it does not).
LANG_SHARE = 0.2
# The facts key of a refusal made by a person's verdict on the alert's incident (alerts.verdict_filter).
VERDICT = "verdict"
# The facts key of a refusal made by a mute of the alert's brand (alerts.mute, `groundswell alerts mute`).
MUTE = "mute"


class RouteRule(StrictModel):
    """`route:` of a channel. Matching is case-insensitive; lists are OR, keys are AND."""

    brands: list[str] | None = Field(default=None, min_length=1, description="Brand names")
    exclude_brands: list[str] | None = Field(
        default=None, min_length=1, description="Brand names this channel never gets, whatever else matches"
    )
    kinds: list[str] | None = Field(default=None, min_length=1, description="Alert kinds (spike, keyword, ...)")
    min_severity: Literal["info", "warning", "critical"] | None = None
    langs: list[str] | None = Field(
        default=None, min_length=1, description=f"Languages: the alert's own, or any with ≥{LANG_SHARE:.0%} of it"
    )
    terms: list[str] | None = Field(
        default=None, min_length=1, description="Crisis terms or themes: the alert's term, top terms or themes"
    )

    @field_validator("brands", "exclude_brands", "kinds", "langs", "terms")
    @classmethod
    def _no_blank(cls, values: list[str] | None) -> list[str] | None:
        if values is not None and any(not v.strip() for v in values):
            raise ValueError("an empty value matches nothing: remove it")
        return values


@dataclass(frozen=True)
class RouteDecision:
    """Whether a channel gets an alert, the reason in words (the first key that failed) and, for a refusal
    the delivery ledger may keep, the alert's facts it rests on (`facts_for`)."""

    sent: bool
    reason: str
    # None: the refusal is decided again each run and never kept. Severity is one: it can rise under the same
    # alert id (an unanswered-posts alert of the day whose queue grew), as a channel's own min_severity does.
    facts: str | None = None

    def __bool__(self) -> bool:
        return self.sent


def _fold(values: list[str]) -> set[str]:
    return {v.strip().casefold() for v in values}


def alert_langs(alert: Alert) -> set[str]:
    """The languages an alert is about: its own (`split_by: lang`), else those with ≥ LANG_SHARE of its mix."""
    if alert.lang:
        return {alert.lang.casefold()}
    total = sum(alert.lang_mix.values())
    return {lang.casefold() for lang, n in alert.lang_mix.items() if total and n / total >= LANG_SHARE}


def alert_terms(alert: Alert) -> set[str]:
    """The crisis term (a keyword alert's subject), the top terms and the themes of an alert."""
    terms = [*alert.top_terms, *alert.top_themes]
    if alert.kind == "keyword" and alert.subject:
        terms.append(alert.subject)
    return _fold(terms)


def facts_for(alert: Alert, key: str) -> str | None:
    """The facts of `alert` a refusal by route key `key` rests on, as the ledger keeps them; None for an unknown key.

    Brand and kind are part of the alert id, so they never change. Languages and terms come from the
    explanation, which a later run fills in (after a store timeout left them empty) or redoes with more
    posts: a refusal kept for them stands only while they are the same."""
    if key in ("brands", "exclude_brands", "kinds"):
        return key
    if key == "langs":
        return "langs=" + ",".join(sorted(alert_langs(alert)))
    if key == "terms":
        return "terms=" + ",".join(sorted(alert_terms(alert)))
    if key == VERDICT:
        # A verdict's hold (alerts.verdict_filter) stands, even after an undo, while the alert's severity is the
        # one it was held at: an alert that grows under its id is decided again.
        return f"{VERDICT}={alert.severity}"
    if key == MUTE:
        # A mute's hold (alerts.mute) stands after the mute ends, so unmuting sends none of what it held, while the
        # alert's severity is the one it was held at: one that grows under its id (a warning turning critical,
        # which a mute without --include-critical lets through) is decided again.
        return f"{MUTE}={alert.severity}"
    return None


def is_verdict_refusal(decision: RouteDecision) -> bool:
    """Whether a refusal is a person's verdict holding the alert back (alerts.verdict_filter), not a route."""
    return not decision.sent and (decision.facts or "").partition("=")[0] == VERDICT


def is_mute_refusal(decision: RouteDecision | None) -> bool:
    """Whether a refusal is a mute of the alert's brand holding it back (alerts.mute), not a route."""
    return decision is not None and not decision.sent and (decision.facts or "").partition("=")[0] == MUTE


def _fixed_refusal(alert: Alert, key: Literal["brands", "kinds"]) -> str:
    """Why a route refuses `alert` by its brand or kind: the words `routes` gives, and `legacy_facts` reads back."""
    value = alert.brand if key == "brands" else alert.kind
    return f"{key.removesuffix('s')} {value} not in route.{key}"


def legacy_facts(alert: Alert, reason: str) -> str | None:
    """The facts a refusal of `alert` rests on that the ledger kept before facts were, as a bare `reason`: a brand or
    kind refusal's (they never change, so it stands and a route widened later does not get the alerts it refused);
    None for any other (languages, terms and severity can change: it is decided again)."""
    for key in ("brands", "kinds"):
        if reason == _fixed_refusal(alert, key):
            return facts_for(alert, key)
    return None


def still_holds(alert: Alert, facts: str | None) -> bool:
    """Whether a refusal kept with `facts` still rests on what `alert` says now (None, unreadable: it does not)."""
    return facts is not None and facts_for(alert, facts.partition("=")[0]) == facts


def routes(alert: Alert, rule: RouteRule | None) -> RouteDecision:
    """Does a channel with `rule` get `alert`? No rule: yes. Otherwise every given key must match."""
    if rule is None:
        return RouteDecision(True, "no route: every alert")
    if rule.brands is not None and alert.brand.casefold() not in _fold(rule.brands):
        return RouteDecision(False, _fixed_refusal(alert, "brands"), facts_for(alert, "brands"))
    if rule.exclude_brands is not None and alert.brand.casefold() in _fold(rule.exclude_brands):
        return RouteDecision(False, f"brand {alert.brand} in route.exclude_brands", facts_for(alert, "exclude_brands"))
    if rule.kinds is not None and alert.kind.casefold() not in _fold(rule.kinds):
        return RouteDecision(False, _fixed_refusal(alert, "kinds"), facts_for(alert, "kinds"))
    if rule.min_severity is not None and SEVERITY_RANK[alert.severity] < SEVERITY_RANK[rule.min_severity]:
        return RouteDecision(False, f"severity {alert.severity} below route.min_severity {rule.min_severity}")
    if rule.langs is not None and not alert_langs(alert) & _fold(rule.langs):
        langs = ", ".join(sorted(alert_langs(alert))) or "none"
        return RouteDecision(False, f"languages ({langs}) not in route.langs", facts_for(alert, "langs"))
    if rule.terms is not None and not alert_terms(alert) & _fold(rule.terms):
        return RouteDecision(False, "no term or theme of the alert in route.terms", facts_for(alert, "terms"))
    return RouteDecision(True, "matches the route")
