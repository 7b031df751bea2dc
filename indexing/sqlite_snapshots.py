"""Read snapshots of an SQLite store: what a point in time is on Elasticsearch (docs/elasticsearch.md "Reads").

A WAL read transaction sees the database as it was when it first read, whatever other connections commit
meanwhile. Held on a connection of its own, it lets every page of an engagement-sorted search (whose key, a
post's engagement, a re-collect rewrites) or every row of an export read one snapshot: each matching post is
listed exactly once, in one order. A connection that held it for other reads would show them the old data too,
and its writes would fail on the stale snapshot: hence one connection per snapshot, never the thread's.

`Snapshots` keeps the ones that a cursor names between requests, opened only when the caller asks for one (a
search's `keep_alive`, as Elasticsearch's point in time): at most `MAX_OPEN` (each holds a connection and keeps the
WAL from being checkpointed past its start, so the `-wal` file grows while one is open), each closed once its
keep-alive passed without a page asking for it, or the least recently used first when a new one needs its place. A
cursor whose snapshot is gone is refused with `SnapshotExpired` (a ValueError: the dashboard's 400 "start again
without a cursor"), never read on without it: a page read from live data could repeat or skip posts. A page reads
its snapshot under a lease, as the dashboard's read lanes run several calls at once (the same cursor sent twice, a
new paging pushing out the one another thread reads): calls on one snapshot take turns, and a snapshot closed while
in use (its last page read by one of them, its keep-alive passed, its place taken) is closed by its last user. Before,
the call that ended first closed the connection under the other: a `sqlite3.ProgrammingError`, the dashboard's 500.

`HeldReads` holds the snapshots whole reads (exports) stream from: at most `MAX_EXPORTS` at once (one more is
`ExportsBusy`, a StoreUnavailable: the dashboard's 503 with Retry-After), and one whose reader paused longer than
its `idle_s` (a client that stopped reading) is closed by a timer thread, so a stalled client cannot keep the WAL
from being checkpointed; its reader's next step raises `SnapshotStalled`. It never closes one under a read: an
export's stream is one reader, whose chunks hop between heavy-lane threads one after another, and it reads only
between `resume` and `pause`; the timer closes a lease only while paused, deciding under the lease's lock, and
`resume` takes that lock and refuses a closed one before any read.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from indexing.base import StoreUnavailable

# As Elasticsearch's search keep-alive (`indexing.elasticsearch.SEARCH_KEEP_ALIVE`): the pause allowed between pages.
DEFAULT_KEEP_ALIVE = "2m"
# Snapshots open at once per store; more would each hold a connection and the WAL.
MAX_OPEN = 16
# Whole-read (export) snapshots open at once per store: each holds a connection and the WAL until its stream ends.
MAX_EXPORTS = 8
_DURATION = re.compile(r"^\s*(\d{1,7})\s*(ms|s|m|h|d)\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class SnapshotExpired(ValueError):
    """A page cursor whose snapshot was closed (its keep-alive passed, or newer snapshots took its place)."""


def keep_alive_seconds(keep_alive: str | None) -> float:
    """An Elasticsearch duration (`2m`, `10m`, `30s`) in seconds; None: `DEFAULT_KEEP_ALIVE`."""
    match = _DURATION.match(keep_alive or DEFAULT_KEEP_ALIVE)
    if not match:
        raise ValueError(f"keep_alive {keep_alive!r} is not a duration such as 2m, 30s or 1h")
    return int(match.group(1)) * _UNIT_S[match.group(2)]


def begin_snapshot(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Start `conn`'s read snapshot now: BEGIN is deferred, so the snapshot is taken by its first read."""
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def end_snapshot(conn: sqlite3.Connection) -> None:
    """Close a snapshot's connection (its transaction read only: nothing to keep or lose)."""
    try:
        conn.close()
    except sqlite3.Error:  # already closed, or the file went away: nothing is held any more either way
        pass


@dataclass
class _Held:
    snapshot_id: int
    conn: sqlite3.Connection
    expires: float
    keep_alive_s: float
    # The lease: a page reads its snapshot holding this, so two calls on one snapshot (the same cursor sent twice:
    # a retrying client, a double click) run one after the other; one connection read from two threads at once
    # interleaves their statements.
    turn: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0  # calls holding or waiting for `turn` (counted under `Snapshots._lock`)
    closing: bool = False  # closed, expired or given way while in use: the last user closes the connection
    ended: bool = False  # the connection is closed


class Snapshots:
    """The snapshots that page cursors name, by id (thread-safe). A page reads one under a lease (`open`, `get`):
    one call at a time per snapshot, and one closed, expired or pushed out while a call reads it (or waits to) only
    leaves the table, its connection closed when the last of those calls is done: never under a read (the read lanes
    of the dashboard run several calls at once, `dashboards/web/runner.py`)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], max_open: int = MAX_OPEN,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._connect = connect
        self._max_open = max_open
        self._clock = clock
        self._held: OrderedDict[int, _Held] = OrderedDict()
        self._lock = threading.Lock()
        self._timer: threading.Thread | None = None

    def _watch(self) -> None:
        # Runs while a snapshot is held: an API client that pages with keep_alive and walks away sends no further
        # call to close it, and its read transaction would hold the WAL (no checkpoint, `subject forget`'s fold of
        # erased pages refused) for as long as the dashboard runs.
        while True:
            with self._lock:
                if not self._held:
                    self._timer = None
                    return
                gone = self._reap()
                now = self._clock()
                tick = max(0.05, min(1.0, min(h.expires for h in self._held.values()) - now)) if self._held else 0.05
            _end_all(gone)
            time.sleep(tick)

    @contextmanager
    def open(self, keep_alive: str | None) -> Iterator[tuple[int, sqlite3.Connection]]:
        """A new snapshot, leased while the `with` block runs: its id (a random 52-bit number, so a cursor cannot guess
        another's) and its connection. The least recently used gives way when `max_open` are held."""
        seconds = keep_alive_seconds(keep_alive)
        conn = begin_snapshot(self._connect())
        held = _Held(secrets.randbits(52) | 1, conn, self._clock() + seconds, seconds, users=1)  # odd: never 0
        gone: list[_Held] = []
        with self._lock:
            gone += self._reap()
            while len(self._held) >= self._max_open:
                gone += self._drop(next(iter(self._held)))
            self._held[held.snapshot_id] = held
            if self._timer is None or not self._timer.is_alive():
                self._timer = threading.Thread(target=self._watch, name="sqlite-page-snapshots", daemon=True)
                self._timer.start()
        _end_all(gone)
        yield from self._leased(held)

    @contextmanager
    def get(self, snapshot_id: int, keep_alive: str | None) -> Iterator[tuple[int, sqlite3.Connection]]:
        """The snapshot `snapshot_id` (its id and connection), its keep-alive renewed, leased while the `with`
        block runs (a call already reading it is waited for); `SnapshotExpired` when it is closed."""
        seconds = keep_alive_seconds(keep_alive)
        with self._lock:
            gone = self._reap()
            held = self._held.get(snapshot_id)
            if held is not None:
                held.keep_alive_s = max(held.keep_alive_s, seconds)
                held.expires = self._clock() + held.keep_alive_s
                held.users += 1
                self._held.move_to_end(snapshot_id)
        _end_all(gone)
        if held is None:
            raise SnapshotExpired(
                "this page cursor's snapshot has expired (more than its keep-alive between pages, or "
                f"{self._max_open} newer pagings took its place)"
            )  # the caller says what to do (the dashboard: "start again without a cursor"), once
        yield from self._leased(held)

    def _leased(self, held: _Held) -> Iterator[tuple[int, sqlite3.Connection]]:
        """`held` for one call: its turn taken (outside `_lock`: a wait for one snapshot blocks no other), given
        back after, and the connection closed then when it was closed meanwhile and this was its last user."""
        try:
            with held.turn:
                try:
                    yield held.snapshot_id, held.conn
                except sqlite3.ProgrammingError as exc:
                    # A backstop: the lease keeps a connection open while it is read, but should one be found
                    # closed, the cursor is refused as an expired one (a 400 "start again"), not a 500.
                    if "closed" not in str(exc):  # the statement's own fault, not the snapshot's
                        raise
                    raise SnapshotExpired(
                        "this page cursor's snapshot was closed while the page read it"
                    ) from exc
        finally:
            with self._lock:
                held.users -= 1
                last = held.closing and held.users == 0 and not held.ended
                held.ended = held.ended or last
            if last:
                end_snapshot(held.conn)

    def close(self, snapshot_id: int) -> None:
        """Close `snapshot_id` (its last page was read): now, or when the calls using it are done; nothing when it
        is already closed."""
        with self._lock:
            gone = self._drop(snapshot_id)
        _end_all(gone)

    def open_count(self) -> int:
        """How many snapshots are held now (expired ones closed first; one closed while in use is not counted)."""
        with self._lock:
            gone = self._reap()
            count = len(self._held)
        _end_all(gone)
        return count

    def close_all(self) -> None:
        with self._lock:
            gone = [one for snapshot_id in list(self._held) for one in self._drop(snapshot_id)]
        _end_all(gone)

    def _reap(self) -> list[_Held]:
        """Take the expired snapshots out (under `_lock`): those to close now."""
        now = self._clock()
        return [one for k in [k for k, h in self._held.items() if h.expires <= now] for one in self._drop(k)]

    def _drop(self, snapshot_id: int) -> list[_Held]:
        """Take `snapshot_id` out of the table (under `_lock`): [it] when no call uses it (to close now, outside
        the lock), else [] with it marked for its last user to close."""
        held = self._held.pop(snapshot_id, None)
        if held is None:
            return []
        if held.users:
            held.closing = True
            return []
        held.ended = True
        return [held]


def _end_all(gone: list[_Held]) -> None:
    for held in gone:
        end_snapshot(held.conn)


class ExportsBusy(StoreUnavailable):
    """`MAX_EXPORTS` whole reads already hold a snapshot of this store: try again when one ends."""


class SnapshotStalled(RuntimeError):
    """A whole read's snapshot was closed because its reader paused longer than its `idle_s`."""


class Lease:
    """One whole read's snapshot: its reader marks when it reads (`resume`) and when it waits on its client
    (`pause`); only a paused lease is ever closed by the timer, so a read never meets a connection closed under it."""

    def __init__(self, conn: sqlite3.Connection, idle_s: float | None, clock: Callable[[], float]) -> None:
        self.conn = conn
        self.idle_s = idle_s
        self._clock = clock
        self._lock = threading.Lock()
        self._busy = True
        self._idle_since = clock()
        self.closed = False
        self.stalled = False

    def resume(self) -> None:
        """The reader reads again; `SnapshotStalled` when the timer closed the snapshot while it was paused."""
        with self._lock:
            if self.stalled:
                raise SnapshotStalled(
                    f"the read snapshot was closed after {self.idle_s:g} s without a read (its reader stopped "
                    "reading; a held snapshot keeps the store's WAL from being checkpointed)"
                )
            self._busy = True

    def pause(self) -> None:
        """The reader waits on its client; the idle clock starts."""
        with self._lock:
            self._busy = False
            self._idle_since = self._clock()

    def close_if_idle(self, now: float) -> bool:
        """Close the snapshot when it has been paused for `idle_s` or more; True when it did."""
        with self._lock:
            if self.closed or self._busy or self.idle_s is None or now - self._idle_since < self.idle_s:
                return False
            self.closed = self.stalled = True
        end_snapshot(self.conn)
        return True

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
        end_snapshot(self.conn)


class HeldReads:
    """The whole-read snapshots of one store: capped, and each closed once paused past its `idle_s` (thread-safe)."""

    def __init__(self, max_open: int | None = None, clock: Callable[[], float] = time.monotonic,
                 on_all_closed: Callable[[], object] | None = None) -> None:
        self._max_open = MAX_EXPORTS if max_open is None else max_open  # read when the store opens
        self._clock = clock
        # Called once the last open snapshot closed (the store's WAL checkpoint: none holds the WAL back any more).
        self._on_all_closed = on_all_closed
        self._leases: set[Lease] = set()
        self._lock = threading.Lock()
        self._timer: threading.Thread | None = None

    def open(self, conn: sqlite3.Connection, idle_s: float | None) -> Lease:
        """Hold `conn`'s snapshot; `ExportsBusy` (and `conn` closed) when `max_open` are held already."""
        with self._lock:
            self._leases = {lease for lease in self._leases if not lease.closed}
            if len(self._leases) >= self._max_open:
                end_snapshot(conn)
                raise ExportsBusy(
                    f"{self._max_open} exports are reading this store already (each holds a snapshot of it until its "
                    "download ends): try again when one has finished"
                )
            lease = Lease(conn, idle_s, self._clock)
            self._leases.add(lease)
            if idle_s is not None and (self._timer is None or not self._timer.is_alive()):
                self._timer = threading.Thread(target=self._watch, name="sqlite-export-snapshots", daemon=True)
                self._timer.start()
        return lease

    def release(self, lease: Lease) -> None:
        """The read ended (or its reader went): close its snapshot and free its place."""
        lease.close()
        with self._lock:
            self._leases.discard(lease)
        self._closed_one()

    def _closed_one(self) -> None:
        """A snapshot closed: when it was the last, `on_all_closed` (outside the lock: it may take a while)."""
        if self._on_all_closed is not None and self.count() == 0:
            self._on_all_closed()

    def count(self) -> int:
        """How many whole-read snapshots are open now."""
        with self._lock:
            return sum(not lease.closed for lease in self._leases)

    def _watch(self) -> None:
        # Runs while a lease with an idle limit is open: a stalled reader never wakes up to close its own.
        while True:
            with self._lock:
                watched = [lease for lease in self._leases if lease.idle_s is not None and not lease.closed]
                if not watched:
                    self._timer = None
                    return
                tick = max(0.05, min(1.0, min(lease.idle_s or 1.0 for lease in watched) / 4))
            now = self._clock()
            if any([lease.close_if_idle(now) for lease in watched]):  # a list: every stalled one closed
                self._closed_one()
            time.sleep(tick)
