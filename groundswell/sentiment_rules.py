"""Sentiment rules: posts a query matches get the label a team chose, whatever the model says.

    sentiment_rules:
      - name: block-trades
        query: '"block trade detected" OR "intraday update"'
        label: neutral
        brands: [Apple]          # optional: every brand when left out

Some posts a model keeps misreading are recognisable by their words: automated market headlines, a
campaign's slogan, a product called "Killer". A rule says once what they are. It is applied wherever a
model labels mentions (the enrich step and `groundswell store re-enrich`, `pipeline.enrich_in_pieces`),
after the model, first matching rule in config order; the query is matched as brand queries are
(docs/query-language.md: the post's text, language and source). The label records which rule gave it
(`Sentiment.model` "rule:<name>#<digest of the rule>"), so a changed or removed rule is found and applied
again by `groundswell store re-enrich`, which also gives a new rule's label to the stored posts it matches.
A person's correction (`Sentiment.by_analyst`) outranks every rule; rules outrank the model. Rule labels
are no model build: audits leave them out (they judge the model), and so do the "labels from several
models" notes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field, field_validator

from core.escaping import clipped, one_line
from core.mention import RULE_PREFIX, SENTIMENT_LABELS, Mention, Sentiment
from core.query import Query, checked_query, parse
from core.query.match import Post, evaluate
from core.strict import StrictModel
from indexing.base import Filters, Store


class SentimentRuleConfig(StrictModel):
    """One rule: mentions `query` matches (of `brands`, or of any brand) are `label`."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$",
                      description="Short id: lower-case letters, digits, - and _")
    query: str = Field(min_length=1, description="Boolean query in Groundswell's query language")
    label: Literal["negative", "neutral", "positive"]
    brands: list[str] = Field(default_factory=list, description="Only these brands' mentions (default: every brand)")

    @field_validator("query")
    @classmethod
    def _query_parses(cls, value: str) -> str:
        return checked_query(value)

    @property
    def identity(self) -> str:
        """What a label this rule gave records as its model: the name and a digest of what the rule says, so
        a label of an edited rule reads as stale."""
        said = "\x1f".join([self.query, self.label, *sorted(self.brands)])
        return f"{RULE_PREFIX}{self.name}#{hashlib.sha256(said.encode()).hexdigest()[:8]}"


def rule_problems(rules: list[SentimentRuleConfig], brand_names: list[str]) -> list[str]:
    """What is wrong across the rules: a repeated name, a brand the config lacks (one line each)."""
    names = [r.name for r in rules]
    repeated = sorted({n for n in names if names.count(n) > 1})
    problems = [f"sentiment_rules: the name {n!r} is used twice" for n in repeated]
    known = ", ".join(brand_names)
    for rule in rules:
        problems += [f"sentiment_rules.{rule.name}: unknown brand {b!r}; known: {known}"
                     for b in rule.brands if b not in brand_names]
    return problems


@dataclass(frozen=True)
class _Compiled:
    rule: SentimentRuleConfig
    query: Query
    sentiment: Sentiment


class SentimentRules:
    """A config's rules, parsed once: which label a mention gets, and whether a stored label is current."""

    def __init__(self, rules: Iterable[SentimentRuleConfig] = ()) -> None:
        self._rules = [
            _Compiled(r, parse(r.query), Sentiment(label=r.label, model=r.identity,
                                                   probs={name: float(name == r.label) for name in SENTIMENT_LABELS}))
            for r in rules
        ]

    def __bool__(self) -> bool:
        return bool(self._rules)

    def label_for(self, mention: Mention) -> Sentiment | None:
        """The first matching rule's label for `mention`, or None when no rule matches."""
        post = None  # the post cut once, for every rule's query (as `groundswell.brands` matches brands)
        for compiled in self._rules:
            if compiled.rule.brands and not set(compiled.rule.brands) & set(mention.brands):
                continue
            post = post or Post.of(mention.text or "", mention.lang, mention.source)
            if evaluate(compiled.query.root, post):
                return compiled.sentiment
        return None

    def apply(self, mentions: Iterable[Mention]) -> list[Mention]:
        """`mentions` with each matched one's sentiment replaced by its rule's label; a person's label (a
        correction), a mention without a label (not enriched) and one no rule matches are returned as they are
        (the same objects)."""
        out = []
        for mention in mentions:
            ruled = None if mention.sentiment is None or mention.sentiment.by_analyst else self.label_for(mention)
            out.append(mention if ruled is None else mention.model_copy(update={"sentiment": ruled}))
        return out


@dataclass
class RulePreview:
    """What one rule does to the stored mentions of a window (`preview_rules`)."""

    matched: int = 0  # labelled mentions this rule gives its label to (first match), people's labels aside
    would_change: int = 0  # of those, carrying another label now
    corrected: int = 0  # a person's label that the rule matches: left as the person set it
    changes: dict[str, int] = field(default_factory=dict)  # "negative -> neutral": count
    examples: list[str] = field(default_factory=list)  # "negative -> neutral  id  start of the text"


def preview_rules(store: Store, rules: list[SentimentRuleConfig], filters: Filters, examples: int = 3,
                  progress: Any = None) -> dict[str, RulePreview]:
    """For each rule (by name), what it matches among the stored, labelled mentions of `filters` (spam included)
    and which labels it would change, with up to `examples` changed posts: what `groundswell store re-enrich`
    would then write, shown before anyone relies on a rule. Reads the store, writes nothing."""
    compiled = SentimentRules(rules)
    previews = {r.name: RulePreview() for r in rules}
    for mention in store.iter_mentions(filters.replace(include_spam=True)):
        if progress is not None:
            progress.update()
        if mention.sentiment is None:
            continue
        ruled = compiled.label_for(mention)
        if ruled is None:
            continue
        preview = previews[ruled.rule_name or ""]
        if mention.sentiment.by_analyst:
            preview.corrected += 1
            continue
        preview.matched += 1
        if mention.sentiment.label != ruled.label:
            preview.would_change += 1
            change = f"{mention.sentiment.label} -> {ruled.label}"
            preview.changes[change] = preview.changes.get(change, 0) + 1
            if len(preview.examples) < examples:
                preview.examples.append(f"{change}  {one_line(mention.id)}  {clipped(mention.text, 80)}")
    return previews
