"""`Store.iter_rows` gives, on both stores, exactly `PostRow.of` of each mention `iter_mentions` gives, in its order:
the light rows alerts.response and groundswell.advocates aggregate must say what the whole mentions say."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from store_support import STORES, open_store

from core.mention import Mention, Sentiment
from indexing.base import Filters, PostRow, Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LABELS = ("negative", "neutral", "positive")


def corpus() -> list[Mention]:
    """Every field a row carries, set and unset: replies, reposts, spam, labels, languages, microsecond times."""
    out = []
    for i in range(60):
        out.append(Mention(
            source=("x", "mastodon", "bluesky")[i % 3], native_id=str(i), text=f"lumora post {i} battery",
            url=f"https://social.example/@u{i % 7}/{i}" if i % 4 else None,
            created_at=T0 + timedelta(minutes=7 * i, microseconds=123457 * (i % 3)),
            author={"handle": f"u{i % 7}" if i % 9 else None, "id": f"did:plc:u{i % 7}" if i % 2 else None,
                    "followers": i * 10 if i % 5 else None},
            engagement={"likes": i % 4, "reposts": None if i % 3 else 2, "replies": 1},
            brand="lumora", lang=("en", "de", None)[i % 3],
            sentiment=Sentiment(label=LABELS[i % 3], probs={}, model="test") if i % 8 else None,
            reply_to=f"x:{i - 1}" if i % 5 == 0 and i else None,
            spam="copy-paste campaign" if i % 11 == 0 else None,
            extra={"repost_of": f"x:{i - 2}"} if i % 13 == 0 else {},
        ))  # fmt: skip
    return out


@pytest.fixture(params=STORES)
def store(request, tmp_path) -> Iterator[Store]:
    yield from open_store(request.param, request, tmp_path)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(brand="lumora", include_spam=True),
        Filters(brand="lumora"),  # spam left out, as iter_mentions leaves it
        Filters(brand="lumora", since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=5), sentiment="negative"),
        Filters(brand="lumora", text="battery AND post", source="x", include_spam=True),
    ],
    ids=["all", "no-spam", "period-negative", "text-query"],
)
def test_rows_are_the_mentions_rows_in_the_same_order(store, filters):
    assert all(r.ok for r in store.upsert(corpus()))
    whole = [PostRow.of(m) for m in store.iter_mentions(filters)]
    assert whole  # the filters select something
    assert list(store.iter_rows(filters)) == whole
    replies = list(store.iter_rows(filters, replies_only=True))
    assert replies == [r for r in whole if r.reply_to]
