"""Keyword alerts: a brand's crisis words ('recall', 'lawsuit', ...) suddenly in use.

Works on one count series per crisis term (mentions of the brand containing the term, per bucket),
or per group of terms (`alerts.config.TermGroup`: one crisis in several languages, one series).
A bucket fires when the term appears at least `min_mentions` times and that count is improbable
under the term's own usual rate (Poisson, rate from the history with a small prior), so a word
the brand's fans use every day ('broken record') does not page anyone.

A term is written and inflected by the rules of brand aliases (core/query/aliases.py: a string or
`{text, inflect}`, no `~` inside, the brand's `inflect:` languages for its script) and counted as a
literal phrase (`alerts.wording.phrase`), with every form of its words when it inflects (`word~ru`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alerts.config import AlertsConfig, KeywordRule, TermGroup
from alerts.detector import DetectContext, Detector, Kind
from alerts.series import CountSeries
from alerts.stats import count_tail
from alerts.wording import number, p_text, phrase, when
from core.alert import Alert, Detection
from core.query import QuerySyntaxError, parse
from core.query.aliases import InflectedName, name_key, name_leaf, written
from indexing.base import Filters

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrisisSeries:
    """One keyword alert series: a crisis term, or a group of terms counted together."""

    name: str  # its alerts' subject (part of their id): the term as written, or the group's name
    query: str  # what it counts (docs/query-language.md): the term's leaf, or the group's leaves OR-ed
    terms: tuple[tuple[str, str], ...]  # (term as written, its query leaf)
    group: bool = False  # a `TermGroup`: its alerts say which of its terms matched (`Alert.term_counts`)


def term_fragment(term: str, inflect: str | None = None) -> str:
    """The query leaf a crisis term stands for: the literal phrase (`phrase`), every form of its words when
    `inflect` names a language; ValueError naming the fix when it is no phrase."""
    if not term.strip():
        raise ValueError("a term is empty: remove it or write the word")
    fragment = phrase(term, inflect)
    try:
        parse(fragment)
    except QuerySyntaxError as exc:
        raise ValueError(f"{term!r}: {exc}") from None
    return fragment


def crisis_series(
    terms: Sequence[str | InflectedName | TermGroup], inflect: Sequence[str] = ()
) -> tuple[list[CrisisSeries], list[str]]:
    """A brand's crisis terms (`brands[].crisis_terms`) as keyword series, and every problem, one line each
    ('crisis_terms.N: what to fix'); a term with a problem makes no series.

    A string or `{text, inflect}` is a series of its own, named as written; a `TermGroup` is one series named
    `name`, counting the posts with any of its terms. `inflect`: the brand's languages, which inflect the terms
    in their script as they inflect its aliases (`core.query.aliases.inflect_language`).
    """
    out: list[CrisisSeries] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(terms):
        where = f"crisis_terms.{i}"
        group = isinstance(item, TermGroup)
        name = (item.name if isinstance(item, TermGroup) else written(item)[0]).strip()
        if group and not name:
            problems.append(f"{where}.name: a group's name is empty: write the name its alerts go by")
            continue
        if name and name_key(name) in seen:
            problems.append(f"{where}: {name!r} repeats crisis_terms.{seen[name_key(name)]}: remove one")
            continue
        seen[name_key(name)] = i
        members = list(enumerate(item.any)) if isinstance(item, TermGroup) else [(None, item)]
        leaves: list[tuple[str, str]] = []
        inner: dict[str, int] = {}
        for j, member in members:
            text, own = written(member)
            at = where if j is None else f"{where}.any.{j}"
            if j is not None:
                if name_key(text) in inner:
                    problems.append(f"{at}: {text!r} repeats {where}.any.{inner[name_key(text)]}: remove one")
                    continue
                inner[name_key(text)] = j
            try:
                leaves.append((text.strip(), name_leaf(text, own, inflect, term_fragment, "term")))
            except ValueError as exc:
                problems.append(f"{at}: {exc}")
        if len(leaves) == len(members):
            out.append(CrisisSeries(name, " OR ".join(leaf for _, leaf in leaves), tuple(leaves), group))
    return out, problems


def detect_keyword(
    counts: CountSeries,
    brand: str,
    term: str,
    rule: KeywordRule | None = None,
    history_buckets: int = 14 * 24,
    query: str | None = None,
) -> list[Detection]:
    """Keyword alerts for one term (or group: `term` is its name, `query` what was counted, when not the term
    as a phrase); `counts.negative` holds the term's (negative) mentions per bucket."""
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
            query=query,
            detector="keyword",
            # What `counts` held, so the explanation and the Explore link show the counted posts.
            counted_sentiment="negative" if rule.negative_only else None,
        )
        out.append(Detection(alert, end, i))
        last_alert = i
    return out


class KeywordDetector(Detector):
    """One count series per crisis term or term group of the brand (`BrandConfig.crisis_terms`)."""

    name = "keyword"
    kinds = {"keyword": Kind("Crisis keyword")}
    rule_model = KeywordRule

    def reads_sentiment(self, config: AlertsConfig) -> bool:
        return bool(self.rule(config).negative_only)  # else every post of the term counts, labelled or not

    def detect(self, ctx: DetectContext) -> list[Detection]:
        rule: KeywordRule = self.rule(ctx.config)
        history = ctx.config.spike.baseline_days * (24 if ctx.interval == "hour" else 1)
        # A BrandConfig has `inflect` (its aliases' languages); a brand object without one inflects nothing.
        all_series, problems = crisis_series(ctx.brand.crisis_terms, getattr(ctx.brand, "inflect", ()))
        for problem in problems:
            # The config refuses such a term; one that reached here anyway (an older config object) must not take
            # the brand's other terms and detectors down with it.
            log.error("%s: %s; skipped", ctx.brand.name, problem)
        out: list[Detection] = []
        for series in all_series:
            counted = ctx.base.replace(text=series.query, sentiment="negative" if rule.negative_only else None)
            term_series = ctx.counts(counted)
            if not rule.negative_only:
                term_series.negative = term_series.total
            found = detect_keyword(term_series, ctx.brand.name, series.name, rule, history, series.query)
            if series.group:
                for d in found:
                    d.alert.term_counts = _matched(ctx, counted, series, d.alert)
            out += found
        return out

    def filters(self, alert: Alert, base: Filters) -> Filters:
        """Mentions containing the term (any of the group's; every form of an inflected one: `Alert.query`), of the
        sentiment the rule counted (all, unless `negative_only`)."""
        text = alert.query or (phrase(alert.subject) if alert.subject else None)  # query: alerts before it
        return base.replace(text=text, sentiment=alert.counted_sentiment)

    def terms(self, alert: Alert, terms: list[str]) -> list[str]:
        if not alert.subject:
            return terms
        # The crisis term (or group, then the group's terms that matched) is what the alert is about: first, then
        # what else stood out with it.
        lead = list(dict.fromkeys([alert.subject, *alert.term_counts]))
        known = {t.lower() for t in lead}
        return (lead + [t for t in terms if t.lower() not in known])[: max(8, len(lead))]

    def title(self, alert: Alert) -> str:
        return "Crisis keyword" + (f" “{alert.subject}”" if alert.subject else "")

    def describe(self, alert: Alert, tz: str = "UTC") -> list[str]:
        what = f"crisis term “{alert.subject}”"
        if alert.term_counts:
            what = f"crisis term group “{alert.subject}”"
        elif alert.query and alert.subject and alert.query != phrase(alert.subject):
            what += f" (every form: {alert.query})"
        out = [
            f"{alert.brand}: {what} in {alert.observed:.0f} mentions during {when(alert, tz)}, "
            f"vs {number(alert.expected)} usual (Poisson p = {p_text(alert.p_value)})."
        ]
        if alert.term_counts:
            out.append("Terms matched: " + ", ".join(f"“{t}” ({n})" for t, n in alert.term_counts.items()) + ".")
        return out


def _matched(ctx: DetectContext, counted: Filters, series: CrisisSeries, alert: Alert) -> dict[str, int]:
    """A group's terms that matched the alert's counted posts, with how many each (a post can hold several), most
    first; terms that matched none are left out."""
    window = counted.replace(since=alert.window_start, until=alert.window_end)
    counts = {term: ctx.store.count(window.replace(text=leaf)) for term, leaf in series.terms}
    return {term: n for term, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n}
