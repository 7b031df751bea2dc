"""Time buckets round down, before 1970 too: SQLite's integer division rounds toward zero, which put a post of
1969-12-31 23:30 in the hour of 1970-01-01 00:00 (any pre-1970 post one bucket late; Elasticsearch was right)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.mention import Mention
from indexing.base import Filters
from indexing.sqlite import SqliteStore

POSTS = {
    "old": datetime(1965, 6, 1, 12, 0, tzinfo=UTC),
    "eve": datetime(1969, 12, 31, 23, 30, tzinfo=UTC),
    "new": datetime(2026, 3, 18, 15, 45, tzinfo=UTC),
}


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "g.db")
    mentions = [
        Mention(source="x", native_id=name, text=f"Acme post {name}", created_at=when, brands=["Acme"],
                themes=["battery"])
        for name, when in POSTS.items()
    ]
    assert all(r.ok for r in s.upsert(mentions))
    yield s
    s.close()


@pytest.mark.parametrize("text", [None, "Acme"])  # the SQL path, and the matcher's (which always rounded down)
def test_every_post_lies_in_the_bucket_that_starts_before_it(store, text):
    f = Filters(brand="Acme", text=text)
    hours = [b.start for b in store.histogram(f, "hour")]
    days = [b.start for b in store.histogram(f, "day")]
    assert hours == [datetime(1965, 6, 1, 12, tzinfo=UTC), datetime(1969, 12, 31, 23, tzinfo=UTC),
                     datetime(2026, 3, 18, 15, tzinfo=UTC)]
    assert days == [datetime(1965, 6, 1, tzinfo=UTC), datetime(1969, 12, 31, tzinfo=UTC),
                    datetime(2026, 3, 18, tzinfo=UTC)]
    themed = store.theme_histogram(f, ["battery"], "day")["battery"]
    assert list(themed) == days
