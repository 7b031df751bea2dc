"""Mentions, alerts and stats as the JSON the pages and exports read."""

from __future__ import annotations

from typing import Any

from alerts.explain import explore_query, summary_in
from core.alert import Alert
from core.escaping import safe_url  # only http(s) links reach the page
from core.mention import Mention
from indexing.base import AuthorStat, Bucket, ThemeCount


def mention_json(m: Mention) -> dict[str, Any]:
    return {
        "id": m.id,
        "source": m.source,
        "url": safe_url(m.url),
        "created_at": m.created_at.isoformat(),
        "brands": list(m.brands),
        "lang": m.lang,
        "text": m.text,
        "author": {"handle": m.author.handle, "name": m.author.name, "followers": m.author.followers},
        "engagement": m.engagement.total,
        "reach": m.reach,
        "sentiment": m.sentiment.label if m.sentiment else None,
        "sentiment_probs": m.sentiment.probs if m.sentiment else None,
        "uncertain": m.sentiment.uncertain if m.sentiment else None,
        "corrected": m.sentiment.by_analyst if m.sentiment else False,  # a person set the label, no model
        "rule": m.sentiment.rule_name if m.sentiment else None,  # a sentiment rule of the config set it
        "themes": list(m.themes),
        "intent": m.intent,  # nlp/intents.py's tag; None = not tagged
        "spam": m.spam,  # the spam rule's reason (nlp/spam.py); shown only with spam=include
    }


def bucket_json(b: Bucket) -> dict[str, Any]:
    net = b.net_sentiment
    return {
        "start": b.start.isoformat(),
        "negative": b.negative,
        "neutral": b.neutral,
        "positive": b.positive,
        "unknown": b.unknown,
        "total": b.total,
        "net_sentiment": net,
    }


def theme_json(t: ThemeCount) -> dict[str, Any]:
    return {"theme": t.theme, "count": t.count, "sentiment": dict(t.sentiment)}


def author_json(a: AuthorStat) -> dict[str, Any]:
    return {
        "handle": a.handle,
        "source": a.source,
        "mentions": a.mentions,
        "engagement": a.engagement,
        "followers": a.followers,
    }


def alert_json(a: Alert, tz: str = "UTC") -> dict[str, Any]:
    """An alert for the pages: its stored fields (`summary` in UTC: data, as the CSV and the alert log keep it)
    and `summary_local`, the same summary with its times on the wall clock of `tz`, the zone the page shows."""
    data = a.model_dump(mode="json")
    data["summary_local"] = summary_in(a, tz)
    data["link"] = safe_url(a.link)
    data["explore"] = explore_query(a)  # the Alerts page's link to these posts, same rule as `link`
    for post in data["top_posts"]:
        post["url"] = safe_url(post.get("url"))
    return data
