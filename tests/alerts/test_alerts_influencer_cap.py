"""The influencer detector reads a bounded number of posts: the biggest accounts' and the newest first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from alerts.config import AlertsConfig
from alerts.detect import detect_alerts
from alerts.influencer import MAX_INFLUENCER_POSTS
from core.mention import Author, Engagement, Mention, Sentiment
from indexing.sqlite import SqliteStore

NOW = datetime(2026, 3, 16, 12, tzinfo=UTC)
BIG = "x:p_big"


@dataclass
class _Brand:
    name: str = "Acme"
    crisis_terms: list[str] = field(default_factory=list)


def _negative(post: str, when: datetime, followers: int) -> Mention:
    return Mention(source="x", native_id=post, text="acme is terrible", brand="Acme", lang="en", created_at=when,
                   author=Author(handle=f"h_{post}", followers=followers), engagement=Engagement(likes=1),
                   sentiment=Sentiment(label="negative", probs={"negative": 0.9}, model="test"))


def _influencer_alerts(mentions: list[Mention], now: datetime | None) -> list:
    store = SqliteStore(":memory:")
    try:
        assert all(r.ok for r in store.upsert(mentions))
        return [a for a in detect_alerts(store, _Brand(), AlertsConfig(), now=now, explained=False)
                if a.kind == "influencer"]
    finally:
        store.close()


def _mid_size(count: int, first: datetime, prefix: str) -> list[Mention]:
    """`count` negatives by 60k-follower accounts (above the 50k threshold), a minute apart from `first`."""
    return [_negative(f"{prefix}{i}", first + timedelta(minutes=i), 60_000) for i in range(count)]


def test_a_recent_post_by_a_huge_account_alerts_after_a_busy_day_of_mid_size_ones():
    posts = _mid_size(600, NOW - timedelta(hours=20), "p")
    posts.append(_negative("p_big", NOW - timedelta(minutes=20), 5_000_000))

    found = _influencer_alerts(posts, NOW)

    assert len(found) == MAX_INFLUENCER_POSTS
    big = [a for a in found if a.subject == BIG]
    assert len(big) == 1 and big[0].severity == "critical"


@pytest.mark.parametrize("now", [NOW, None], ids=["scheduled", "whole-history"])
def test_a_huge_account_is_read_first_wherever_its_post_is_in_time(now):
    # Buried in the middle of the day: neither the 500 oldest nor the 500 newest posts hold it.
    start = NOW - timedelta(hours=23)
    posts = [*_mid_size(600, start, "old"), _negative("p_big", start + timedelta(minutes=610), 5_000_000),
             *_mid_size(600, start + timedelta(minutes=620), "new")]

    found = _influencer_alerts(posts, now)

    assert len(found) == MAX_INFLUENCER_POSTS and len({a.subject for a in found}) == MAX_INFLUENCER_POSTS
    assert BIG in {a.subject for a in found}
    # The rest of the cap goes to the newest posts: those a scheduled run has not alerted on yet.
    assert {a.subject for a in found} - {BIG} == {f"x:new{i}" for i in range(101, 600)}
