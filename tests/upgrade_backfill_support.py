"""What the upgrade-backfill tests share: a store's worth of posts an older version left (enriched, some never
tagged with an intent, a copy-paste campaign never examined for spam), and a config."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.mention import Author, Mention, Sentiment
from groundswell.config import Config, parse_config
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 20, 12, tzinfo=UTC)
NOW = T0 + timedelta(days=20)  # when the backfill first runs: after every stored post
NEUTRAL = Sentiment(label="neutral", probs={"neutral": 1.0}, model="t")
CAMPAIGN = "Lumora Pulse is the best earbuds ever, get yours now"


def config() -> Config:
    return parse_config({"brands": [{"name": "Lumora", "query": "lumora"}], "sources": [],
                         "store": {"type": "sqlite", "path": "unused.db"}})


def post(n: int, text: str, at: datetime, **kw) -> Mention:
    return Mention(source="x", native_id=f"p{n}", text=text, brand="Lumora", created_at=at, lang="en",
                   author=Author(handle=f"user{n}"), **kw)


def old_posts() -> list[Mention]:
    """Posts on three days a week apart: the middle day holds a campaign (10 authors, one text, 10 minutes),
    stored unflagged; every post is enriched, none carries an intent tag but one."""
    day3 = T0 + timedelta(days=7)
    return [
        post(1, "How do I pair my Lumora Pulse with a laptop?", T0, sentiment=NEUTRAL),
        *(post(10 + i, CAMPAIGN, day3 + timedelta(minutes=i), sentiment=NEUTRAL) for i in range(10)),
        post(2, "My Lumora Halo stopped charging after a week and support never answers", day3 + timedelta(hours=3),
             sentiment=NEUTRAL),
        post(3, "Lumora Halo sounds lovely", T0 + timedelta(days=14), sentiment=NEUTRAL, intent="praise"),
        post(4, "not enriched yet: the enrich step tags it", T0 + timedelta(days=14, hours=1)),
    ]


def sqlite_with_old_posts(path: Path) -> Iterator[SqliteStore]:
    """A SQLite store at `path` holding `old_posts()` as the older version stored them (no spam flags examined,
    no intent tags); closed afterwards. Use with `yield from` in a fixture."""
    store = SqliteStore(path)
    assert all(r.ok for r in store.upsert(old_posts()))
    yield store
    store.close()
