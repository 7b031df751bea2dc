"""Engagement-sorted pages of the SQLite store read one snapshot, as Elasticsearch's point in time does
(docs/elasticsearch.md "Reads"; `indexing/sqlite_snapshots.py`).

The integrator review paged `/api/search?sort=engagement` over a 60,000-post store while a re-collect wrote new
engagement counts: 60,063 rows, 56,605 distinct, 3,395 posts never listed. Here a writer thread, on its own
connection, re-writes every post's engagement (reversing the order) between every two pages the reader asks for:
every id must still come exactly once, in the order page one's snapshot had."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Engagement, Mention
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from indexing.sqlite_snapshots import MAX_OPEN, SnapshotExpired

POSTS = 600
PAGE = 50
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def posts(flip: int) -> list[Mention]:
    """Every post, with engagement counts that `flip` reorders: each call with a new `flip` moves every post."""
    return [
        Mention(source="x", native_id=str(i), text=f"Lumora post {i}", brands=["Lumora"],
                created_at=T0 + timedelta(minutes=i),
                engagement=Engagement(likes=(i * 7919 + flip * 104_729) % 1000 if flip % 2 else (POSTS - i) * 3 + flip))
        for i in range(POSTS)
    ]


@pytest.fixture
def store(tmp_path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "gs.db")
    assert all(r.ok for r in store.upsert(posts(0)))
    yield store
    store.close()


class Recollect:
    """A writer thread on a store of its own (another connection, as a collect run is): `write()` has it re-write
    every post's engagement and waits until that is committed."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.asked, self.written = threading.Event(), threading.Event()
        self.stop = False
        self.rounds = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        writer = SqliteStore(self.path)
        try:
            while True:
                self.asked.wait()
                self.asked.clear()
                if self.stop:
                    return
                self.rounds += 1
                assert all(r.ok for r in writer.upsert(posts(self.rounds)))
                self.written.set()
        finally:
            writer.close()

    def write(self) -> None:
        self.asked.set()
        assert self.written.wait(30)
        self.written.clear()

    def close(self) -> None:
        self.stop = True
        self.asked.set()
        self.thread.join(10)


def page_all(store: SqliteStore, between=lambda: None, **kw) -> list[str]:
    """Every id the engagement-sorted pages list, calling `between()` after each page."""
    ids: list[str] = []
    cursor = None
    while True:
        page = store.search(Filters(brand="Lumora"), size=PAGE, cursor=cursor, sort="engagement", **kw)
        ids += [h.mention.id for h in page.hits]
        cursor = page.next_cursor
        if not cursor:
            return ids
        between()


def test_pages_list_every_post_once_while_a_recollect_rewrites_engagement(store):
    snapshot_order = [h.mention.id for h in store.search(Filters(brand="Lumora"), size=POSTS, sort="engagement").hits]
    writer = Recollect(store.path)
    try:
        ids = page_all(store, writer.write, keep_alive="2m")  # asked for, as Elasticsearch's point in time
    finally:
        writer.close()
    assert len(ids) == len(set(ids)) == POSTS
    assert writer.rounds == POSTS // PAGE - 1  # the engagement moved between every two pages
    assert ids == snapshot_order  # page one's order, to the end
    assert store.open_snapshots() == 0  # the last page closed it
    # The writes did land: a new search reads the new order.
    assert [h.mention.id for h in store.search(Filters(brand="Lumora"), size=POSTS, sort="engagement").hits] != ids


def test_one_page_reads_keep_nothing_open(store):
    """`page_on=False` (a card's sample posts): no snapshot; time orders never need one (their key never moves); a
    search that does not ask for one (`keep_alive`: Explore's pages) holds none either."""
    store.search(Filters(brand="Lumora"), size=5, sort="engagement", page_on=False, keep_alive="2m")
    store.search(Filters(brand="Lumora"), size=5, sort="newest", keep_alive="2m")
    store.search(Filters(brand="Lumora"), size=5, sort="engagement")  # not asked for: keyset pages, nothing held
    assert store.open_snapshots() == 0
    store.search(Filters(brand="Lumora"), size=5, sort="engagement", keep_alive="2m")  # asked for: held
    assert store.open_snapshots() == 1


def test_an_expired_snapshot_is_a_clear_error_not_a_silent_live_read(store):
    page = store.search(Filters(brand="Lumora"), size=PAGE, sort="engagement", keep_alive="1s")
    time.sleep(1.3)
    with pytest.raises(SnapshotExpired, match="snapshot has expired"):
        store.search(Filters(brand="Lumora"), size=PAGE, cursor=page.next_cursor, sort="engagement")
    assert store.open_snapshots() == 0


def test_each_page_renews_the_keep_alive(store):
    cursor = store.search(Filters(brand="Lumora"), size=PAGE, sort="engagement", keep_alive="2s").next_cursor
    for _ in range(3):  # 3 × 1.2 s: past one keep-alive in all, never between two pages
        time.sleep(1.2)
        cursor = store.search(Filters(brand="Lumora"), size=PAGE, cursor=cursor, sort="engagement",
                              keep_alive="2s").next_cursor
    assert cursor
    assert store.open_snapshots() == 1  # still held, 3.6 s after page one


def test_open_snapshots_are_bounded_and_the_oldest_gives_way(store):
    cursors = [store.search(Filters(brand="Lumora"), size=PAGE, sort="engagement", keep_alive="2m").next_cursor
               for _ in range(MAX_OPEN + 3)]
    assert store.open_snapshots() == MAX_OPEN
    with pytest.raises(SnapshotExpired):
        store.search(Filters(brand="Lumora"), size=PAGE, cursor=cursors[0], sort="engagement")
    assert store.search(Filters(brand="Lumora"), size=PAGE, cursor=cursors[-1], sort="engagement").hits


def test_the_snapshot_view_reads_one_snapshot_and_the_store_reads_on(store):
    """`SqliteStore.snapshot` (the export's): its reads see the store as it was, the store's own reads the writes."""
    with store.snapshot() as view:
        before = [m.engagement.total for m in view.iter_mentions(Filters())]
        assert all(r.ok for r in store.upsert(posts(1)))
        assert [m.engagement.total for m in view.iter_mentions(Filters())] == before
        assert [m.engagement.total for m in store.iter_mentions(Filters())] != before
