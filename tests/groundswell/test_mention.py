from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from core.mention import MAX_COUNT, Author, Engagement, Mention, dedup_key


def test_id_is_source_and_native_id():
    m = Mention(source="x", native_id="123", text="hi", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert m.id == "x:123"


def test_mismatched_id_is_rejected():
    with pytest.raises(ValidationError):
        Mention(id="x:999", source="x", native_id="123", text="hi", created_at=datetime(2026, 1, 1))


def test_times_are_utc():
    naive = Mention(source="x", native_id="1", text="t", created_at=datetime(2026, 1, 1, 12))
    assert naive.created_at.tzinfo == UTC and naive.created_at.hour == 12
    seoul = timezone(timedelta(hours=9))
    aware = Mention(source="x", native_id="1", text="t", created_at=datetime(2026, 1, 1, 12, tzinfo=seoul))
    assert aware.created_at.hour == 3 and aware.created_at.tzinfo == UTC


def test_dedup_key_ignores_retweet_prefix_urls_and_case():
    assert dedup_key("RT @someone: Lumora is GREAT https://t.co/x") == dedup_key("lumora is great!")
    assert dedup_key("Lumora is great") != dedup_key("Lumora is bad")


def test_an_impossible_count_is_capped_not_refused():
    # Far above any real account; capped so the stores' 64-bit sums over many posts cannot overflow, and a
    # post stored with such a count before the bound stays readable.
    assert Engagement(likes=MAX_COUNT).total == MAX_COUNT
    assert Engagement(likes=MAX_COUNT + 1, replies=2**70).likes == MAX_COUNT
    assert Engagement(likes=MAX_COUNT + 1, replies=2**70).replies == MAX_COUNT
    assert Author(handle="a", followers=10**19).followers == MAX_COUNT
    stored = Mention.model_validate_json(
        '{"source": "x", "native_id": "1", "text": "t", "created_at": "2026-03-01T00:00:00Z",'
        ' "author": {"followers": 10000000000000000}, "engagement": {"likes": 99999999999999999999}}')
    assert (stored.author.followers, stored.engagement.likes) == (MAX_COUNT, MAX_COUNT)
