"""Data for the overview look tests: the demo corpus (`web_support`, 1-14 Nov 2026) plus, for Lumora, a lone
day with one post (a net sentiment resting on one post), a spam author praising it, and the alerts of the demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from web_support import demo_alerts, demo_mentions

from alerts.history import save_alerts
from core.mention import Author, Mention, Sentiment

LONE_DAY = datetime(2026, 10, 20, 15, tzinfo=UTC)
MONTH = {"since": "2026-10-15", "until": "2026-11-15"}  # 31 days: day buckets
QUARTER = {"since": "2026-08-01", "until": "2026-11-15"}  # 106 days: week buckets
SPAM_FAN = "bot_fan"


def look_mentions() -> list[Mention]:
    """The demo's mentions, one negative Lumora post on LONE_DAY, and three flagged-spam positive posts."""
    extra = [
        Mention(source="x", native_id="lone-day-1", text="Lumora is the worst, returning it", created_at=LONE_DAY,
                brand="Lumora", lang="en", author=Author(handle="lone_critic", followers=3),
                sentiment=Sentiment(label="negative", probs={"negative": 0.95}, model="test")),
    ]
    extra += [
        Mention(source="x", native_id=f"spam-fan-{i}", text=f"Lumora best deal click here {i}",
                created_at=datetime(2026, 11, 10, 9, tzinfo=UTC) + timedelta(minutes=i), brand="Lumora", lang="en",
                author=Author(handle=SPAM_FAN, followers=50),
                sentiment=Sentiment(label="positive", probs={"positive": 0.9}, model="test"),
                spam="copy-paste campaign (test)")
        for i in range(3)
    ]
    return demo_mentions() + extra


def load(store) -> None:
    """Write the look mentions and the demo's alerts into `store`."""
    mentions = look_mentions()
    assert all(r.ok for r in store.upsert(mentions))
    save_alerts(store, demo_alerts(demo_mentions()))
