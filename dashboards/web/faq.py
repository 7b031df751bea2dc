"""The FAQ view: recurring questions and complaint reasons of a brand in a period (groundswell/faq.py)."""

from __future__ import annotations

from typing import Any

from dashboards.web.params import Period
from dashboards.web.serialize import mention_json
from groundswell.faq import Recurring, recurring
from indexing.base import Filters, Store
from nlp.embeddings import SentenceEmbeddings

# What the page shows, in order: the intent and its section's name.
SECTIONS = (("question", "questions"), ("complaint", "complaints"))


def faq(
    store: Store, filters: Filters, period: Period, embeddings: SentenceEmbeddings, n: int, min_count: int,
    examples: int,
) -> dict[str, Any]:
    """/api/faq: per section, the recurring groups (label, count, languages, example posts) and how many
    posts of that intent the period has, how many were grouped and how many stand alone."""
    current = filters.replace(since=period.since, until=period.until)
    out: dict[str, Any] = {"period": {"since": period.since.isoformat(), "until": period.until.isoformat()}}
    for intent, name in SECTIONS:
        found = recurring(store, current, intent, embeddings, min_count=min_count, n=n, examples=examples)
        out[name] = _json(found)
    return out


def _json(found: Recurring) -> dict[str, Any]:
    return {
        "intent": found.intent,
        "total": found.total,
        "clustered": found.posts,
        "ungrouped": found.ungrouped,
        "groups": [
            {"label": g.label, "count": g.count, "langs": g.langs, "examples": [mention_json(m) for m in g.examples]}
            for g in found.groups
        ],
    }
