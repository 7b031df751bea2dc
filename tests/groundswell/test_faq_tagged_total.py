"""The FAQ's "N tagged" counts every tagged post of the view on both stores: a search's total on the embedded
store stops at its cap (a lower bound, `total_exact` False), so the FAQ counts those in full. Real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import indexing.sqlite as sqlite_store
from core.mention import Mention
from groundswell.faq import tagged_posts
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 5, tzinfo=UTC)


def test_tagged_posts_over_the_search_cap_are_counted_in_full(tmp_path, monkeypatch):
    cap = 12  # a small cap stands in for 10,000 (the same code path, 10,000 fewer posts to write)
    monkeypatch.setattr(sqlite_store, "TOTAL_CAP", cap)
    questions = [Mention(source="x", native_id=f"q{i}", text=f"does Lumora {i} charge fast?", brands=["Lumora"],
                         created_at=T0 + timedelta(minutes=i), intent="question") for i in range(cap + 18)]
    others = [Mention(source="x", native_id=f"o{i}", text=f"Lumora {i}", brands=["Lumora"],
                      created_at=T0 + timedelta(minutes=i), intent="praise") for i in range(5)]
    store = SqliteStore(tmp_path / "faq.db")
    try:
        assert all(r.ok for r in store.upsert(questions + others))
        assert not store.search(Filters(intent="question"), size=5).total_exact  # the search total is capped
        posts, total = tagged_posts(store, Filters(brand="Lumora"), "question", max_posts=5)
        assert (len(posts), total) == (5, len(questions))
    finally:
        store.close()
