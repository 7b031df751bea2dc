"""The FAQ view: recurring questions and complaint reasons of a brand in a period (groundswell/faq.py).

Two parts, so the dashboard's one store thread is held only for reading: `faq_posts` reads the
tagged posts (store thread), `faq_groups` encodes and clusters them (any other thread).
"""

from __future__ import annotations

from typing import Any

from core.mention import Mention
from dashboards.web.params import Period
from dashboards.web.serialize import mention_json
from groundswell.faq import Recurring, group, tagged_posts
from indexing.base import Filters, Store
from nlp.embeddings import SentenceEmbeddings

# What the page shows, in order: the intent and its section's name.
SECTIONS = (("question", "questions"), ("complaint", "complaints"))

Posts = dict[str, tuple[list[Mention], int]]


def faq_posts(store: Store, filters: Filters, period: Period) -> Posts:
    """Per section: the newest tagged posts of the period and how many there are (runs on the store thread)."""
    current = filters.replace(since=period.since, until=period.until)
    return {name: tagged_posts(store, current, intent) for intent, name in SECTIONS}


def faq_groups(
    posts: Posts, period: Period, embeddings: SentenceEmbeddings, n: int, min_count: int, examples: int
) -> dict[str, Any]:
    """/api/faq: per section, the recurring groups (label, count, languages, example posts) and how many
    posts of that intent the period has, how many were grouped and how many stand alone."""
    out: dict[str, Any] = {"period": {"since": period.since.isoformat(), "until": period.until.isoformat()}}
    for intent, name in SECTIONS:
        mentions, total = posts[name]
        found = group(mentions, total, intent, embeddings, min_count=min_count, n=n, examples=examples)
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
