"""A page snapshot held between requests (`keep_alive`, `indexing/sqlite_snapshots.py`) used by two threads at once:
the dashboard's read lanes (dashboards/web/runner.py) run several calls at a time, so the same cursor sent twice (a
retrying client, a double click) or a new paging pushing out the snapshot another thread reads can meet on one
connection. Before the lease, the call that ended first closed the connection the other was about to read: a
sqlite3.ProgrammingError ("Cannot operate on a closed database"), the dashboard's 500.

Real SQLite file store, real threads. The overlap is made deterministic by a gate in a subclass of the real store:
a page read from a held snapshot (`_page` on the view `search` pins to it) waits at the gate on the threads a test
names, so the other thread is sure to come while it is inside."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.mention import Engagement, Mention
from indexing.base import Filters, SearchPage
from indexing.sqlite import SqliteStore
from indexing.sqlite_snapshots import MAX_OPEN, SnapshotExpired

POSTS = 60
T0 = datetime(2026, 4, 5, tzinfo=UTC)
LUMORA = Filters(brand="Lumora")
WAIT_S = 10.0  # a bound on every wait, so a broken lease fails the test instead of hanging it


class GatedPages(SqliteStore):
    """The real store, except that a page read from a held snapshot, on a thread named in `held_threads`, waits at
    `gate` (after setting `inside` and noting the connection in `conns`), and `peak()` is the most such reads that
    ran on one connection at once. With `close_under_read`, the page read closes its own connection first (what a
    close from another thread did before the lease)."""

    def __init__(self, path: Any) -> None:
        super().__init__(path)
        self.held_threads: set[str] = set()
        self.gate, self.inside = threading.Event(), threading.Event()
        self.conns: dict[str, sqlite3.Connection] = {}
        self.close_under_read = False
        self._count_lock = threading.Lock()
        # Shared with the views `search` reads through (copies of this store): so, mutable objects only.
        self._reading_now: dict[int, int] = {}
        self._peaks: list[int] = [0]

    def peak(self) -> int:
        return self._peaks[0]

    def _page(self, filters: Filters, size: int, position: list[Any] | None, sort: Any) -> SearchPage:
        conn = self._pinned
        if conn is None:  # a live page: not what is gated
            return super()._page(filters, size, position, sort)
        name = threading.current_thread().name
        with self._count_lock:
            self._reading_now[id(conn)] = self._reading_now.get(id(conn), 0) + 1
            self._peaks[0] = max(self._peaks[0], self._reading_now[id(conn)])
        try:
            if name in self.held_threads:
                self.conns[name] = conn
                self.inside.set()
                self.gate.wait(WAIT_S)
            if self.close_under_read:
                conn.close()
            return super()._page(filters, size, position, sort)
        finally:
            with self._count_lock:
                self._reading_now[id(conn)] -= 1


@pytest.fixture
def store(tmp_path) -> Iterator[GatedPages]:
    store = GatedPages(tmp_path / "gs.db")
    posts = [Mention(source="forum", native_id=str(i), text=f"Lumora post {i}", brands=["Lumora"],
                     created_at=T0 + timedelta(minutes=i), engagement=Engagement(likes=i)) for i in range(POSTS)]
    assert all(r.ok for r in store.upsert(posts))
    yield store
    store.gate.set()
    store.close()


def in_thread(name: str, fn: Any, out: dict[str, Any]) -> threading.Thread:
    """`fn()` on a thread named `name`; its result, or the exception it raised, in `out[name]`."""
    def run() -> None:
        try:
            out[name] = fn()
        except Exception as exc:  # noqa: BLE001 - the test asserts on what came out, whatever it is
            out[name] = exc

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def page(store: SqliteStore, cursor: str | None, size: int) -> SearchPage:
    return store.search(LUMORA, size=size, cursor=cursor, sort="engagement", keep_alive="2m")


def test_the_same_cursor_paged_from_two_threads_at_once_reads_one_after_the_other(store):
    cursor = page(store, None, 10).next_cursor
    out: dict[str, Any] = {}
    store.held_threads = {"A"}
    a = in_thread("A", lambda: page(store, cursor, 10), out)
    assert store.inside.wait(WAIT_S)
    # B: the same cursor, asking for the rest (its last page, which closes the snapshot). Without the lease it reads
    # and closes at once, while A is inside; with it, it waits for A's turn: given a second to show which it does.
    b = in_thread("B", lambda: page(store, cursor, POSTS), out)
    b.join(1.0)
    store.gate.set()
    a.join(WAIT_S)
    b.join(WAIT_S)
    assert isinstance(out["A"], SearchPage), out["A"]  # before: ProgrammingError, Cannot operate on a closed database
    assert isinstance(out["B"], SearchPage), out["B"]
    assert store.peak() == 1  # never two reads on one connection at once
    # Both read the one snapshot from the one position: A's page is the start of B's.
    assert [h.mention.id for h in out["A"].hits] == [h.mention.id for h in out["B"].hits][:10]
    assert len(out["B"].hits) == POSTS - 10 and out["B"].next_cursor is None
    assert store.open_snapshots() == 0  # B's last page closed it


def test_a_snapshot_pushed_out_while_a_page_reads_it_is_closed_after_that_read(store):
    cursor = page(store, None, 10).next_cursor
    out: dict[str, Any] = {}
    store.held_threads = {"A"}
    a = in_thread("A", lambda: page(store, cursor, 10), out)
    assert store.inside.wait(WAIT_S)
    for _ in range(MAX_OPEN):  # newer pagings take every place, A's snapshot the least recently used
        page(store, None, 10)
    assert store.open_snapshots() == MAX_OPEN
    held = store.conns["A"]
    held.execute("SELECT 1").fetchone()  # pushed out, yet still open: A is reading it (before: closed here)
    store.gate.set()
    a.join(WAIT_S)
    assert isinstance(out["A"], SearchPage) and len(out["A"].hits) == 10, out["A"]
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        held.execute("SELECT 1")  # its last user closed it: nothing left open
    with pytest.raises(SnapshotExpired, match="snapshot has expired"):  # A's next page: the documented error
        page(store, out["A"].next_cursor, 10)


def test_a_held_connection_found_closed_under_a_read_is_snapshot_expired_not_a_programming_error(store):
    """The backstop: should a held connection be closed under a page anyway, the cursor is refused as an expired
    one (a ValueError: the dashboard's 400 "start again without a cursor"), not a ProgrammingError (a 500)."""
    cursor = page(store, None, 10).next_cursor
    store.close_under_read = True
    with pytest.raises(SnapshotExpired, match="closed while the page read it"):
        page(store, cursor, 10)
    store.close_under_read = False
    assert store.open_snapshots() == 0  # a page that failed closes its snapshot
    with pytest.raises(SnapshotExpired, match="snapshot has expired"):
        page(store, cursor, 10)
