"""Whether a mention is in a `Filters` view, decided in plain Python: the oracle store tests hold SQL answers to."""

from __future__ import annotations

from core.mention import Mention
from core.query import parse
from indexing.base import Filters


def in_view(m: Mention, f: Filters) -> bool:
    """Every filter field, as the stores read it (a missing follower count is 0; `uncertain` needs a label)."""
    checks = [
        f.brand is None or f.brand in m.brands,
        not f.brands or bool(set(f.brands) & set(m.brands)),
        f.source is None or m.source == f.source,
        f.lang is None or m.lang == f.lang,
        f.sentiment is None or (m.sentiment.label if m.sentiment else None) == f.sentiment,
        f.since is None or m.created_at >= f.since,
        f.until is None or m.created_at < f.until,
        f.theme is None or f.theme in m.themes,
        f.intent is None or m.intent == f.intent,
        f.min_followers is None or (m.author.followers or 0) >= f.min_followers,
        f.uncertain is None or (m.sentiment is not None and m.sentiment.uncertain == f.uncertain),
        f.include_spam or not m.spam,
        not f.text or parse(f.text).matches(m.text, m.lang),
    ]
    return all(checks)
