"""`ElasticsearchStore.iter_rows`: the few `_source` fields of a `PostRow`, read without building a Mention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.mention import spam_reason
from core.time import as_utc
from indexing.base import PostRow, RowAuthor
from indexing.elasticsearch_mapping import REPLY_FIELD

# What `_source` filtering returns of each document: a tenth of a full one, and nothing decoded that is not read.
ROW_SOURCE = [
    "id", "created_at", "source", "author.handle", "author.id", "author.followers", "url", REPLY_FIELD,
    "extra.repost_of", "spam", "sentiment.label", "lang", "engagement",
]  # fmt: skip
COUNTS = ("likes", "reposts", "replies", "quotes")  # `core.mention.Engagement.total`'s


def replies_only(query: dict[str, Any]) -> dict[str, Any]:
    """`query` narrowed to posts that reply to another (`reply_to` set). The store's bool (`ElasticsearchStore._query`)
    takes the condition among its own filters: a bool around it would add a nesting level, and a text query
    Elasticsearch answers in a count would be refused here (`elasticsearch_query.MAX_QUERY_DEPTH`)."""
    replied = {"exists": {"field": REPLY_FIELD}}
    inner = query.get("bool") if len(query) == 1 else None
    # (Not a bool with `should`: a filter beside it would make the should clauses optional.)
    if isinstance(inner, dict) and "should" not in inner and isinstance(inner.get("filter", []), list):
        return {"bool": inner | {"filter": [*inner.get("filter", []), replied]}}
    return {"bool": {"filter": [query, replied]}}


def post_row(source: dict[str, Any], fallback_id: str) -> PostRow:
    """The row of one hit's filtered `_source`; ValueError when a field a row needs is not readable."""
    try:
        author = source.get("author") or {}
        engagement = source.get("engagement") or {}
        total = engagement.get("total")
        if total is None:  # written before the stored total: the sum `Engagement.total` makes
            total = sum(engagement.get(k) or 0 for k in COUNTS)
        sentiment = source.get("sentiment") or {}
        return PostRow(
            id=source.get("id") or fallback_id, created_at=as_utc(datetime.fromisoformat(source["created_at"])),
            source=source["source"], author=RowAuthor(author.get("handle"), author.get("id"),
                                                      author.get("followers") or 0),
            url=source.get("url"), reply_to=source.get(REPLY_FIELD),
            repost_of=bool((source.get("extra") or {}).get("repost_of")), spam=spam_reason(source.get("spam")),
            sentiment=sentiment.get("label"), lang=source.get("lang"), engagement=int(total),
        )  # fmt: skip
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"unreadable fields: {exc!r}") from exc
