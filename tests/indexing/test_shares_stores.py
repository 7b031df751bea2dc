"""Shares (`alerts.shares`) on both stores: recorded once, listed by UTC day without reading every share ever
recorded, pruned by age and by original (SQLite and Elasticsearch on a real node, one expectation written here)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from store_support import STORES, open_store

from alerts.shares import Share, Shares
from core.mention import Author, Mention
from indexing.base import Store

T0 = datetime(2026, 3, 30, 22, tzinfo=UTC)


@pytest.fixture(params=STORES)
def store(request, tmp_path) -> Iterator[Store]:
    yield from open_store(request.param, request, tmp_path, "gs-shares")


def _share(n: int, hours: float, original: str = "x:1") -> Share:
    return Share(repost=f"x:rt{n}", original=original, at=T0 + timedelta(hours=hours), brands=("acme",),
                 by=f"fan{n}", followers=10 * n, of="ann")


def test_shares_are_recorded_once_listed_by_day_and_pruned(store: Store) -> None:
    assert all(r.ok for r in store.upsert([Mention(source="x", native_id="1", text="acme is on fire", brand="acme",
                                                   author=Author(handle="ann"), created_at=T0)]))
    shares = Shares(store)
    # Three days: 30 March 22:00-23:59, 31 March, 1 April; and one of a post the store never held.
    batch = [_share(n, n * 0.5) for n in range(60)] + [_share(99, 1, original="x:gone")]
    assert shares.record(batch) == 61
    assert shares.record(batch) == 0  # a re-run, or a retry after a crash: nothing new
    assert len(store.state_items("share:")) == 61

    listed: list[str] = []
    original_items = store.state_items

    def spying(prefix: str) -> dict[str, str]:
        listed.append(prefix)
        return original_items(prefix)

    store.state_items = spying  # type: ignore[method-assign]  # records which prefixes a read lists
    try:
        window = shares.between(T0 + timedelta(hours=3), T0 + timedelta(hours=5))
    finally:
        del store.state_items  # type: ignore[attr-defined]
    # 31 March 01:00 to 03:00: only that day's prefix is listed, and only the range comes back, oldest first.
    assert listed == ["share:2026-03-31"]
    assert [s.repost for s in window] == [f"x:rt{n}" for n in range(6, 10)]
    assert window[0] == _share(6, 3)
    assert [s.repost for s in shares.between(T0 + timedelta(hours=20), None)] == [f"x:rt{n}" for n in range(40, 60)]

    # Retention: before the cutoff (30 March's four) and the share of the post not stored go; the rest stay.
    assert shares.prune(T0 + timedelta(hours=2)) == 5
    assert len(shares.between(None, None)) == 56
    assert shares.prune(T0 + timedelta(hours=2)) == 0
