"""Read snapshots of an SQLite store: what a point in time is on Elasticsearch (docs/elasticsearch.md "Reads").

A WAL read transaction sees the database as it was when it first read, whatever other connections commit
meanwhile. Held on a connection of its own, it lets every page of an engagement-sorted search (whose key, a
post's engagement, a re-collect rewrites) or every row of an export read one snapshot: each matching post is
listed exactly once, in one order. A connection that held it for other reads would show them the old data too,
and its writes would fail on the stale snapshot: hence one connection per snapshot, never the thread's.

`Snapshots` keeps the ones that a cursor names between requests: at most `MAX_OPEN` (each holds a connection and
keeps the WAL from being checkpointed past its start, so the `-wal` file grows while one is open), each closed
once its keep-alive passed without a page asking for it, or the least recently used first when a new one needs
its place. A cursor whose snapshot is gone is refused with `SnapshotExpired` (a ValueError: the dashboard's 400
"start again without a cursor"), never read on without it: a page read from live data could repeat or skip posts.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

# As Elasticsearch's search keep-alive (`indexing.elasticsearch.SEARCH_KEEP_ALIVE`): the pause allowed between pages.
DEFAULT_KEEP_ALIVE = "2m"
# Snapshots open at once per store; more would each hold a connection and the WAL.
MAX_OPEN = 16
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
    conn: sqlite3.Connection
    expires: float
    keep_alive_s: float


class Snapshots:
    """The snapshots that page cursors name, by id (thread-safe)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], max_open: int = MAX_OPEN,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._connect = connect
        self._max_open = max_open
        self._clock = clock
        self._held: OrderedDict[int, _Held] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, keep_alive: str | None) -> tuple[int, sqlite3.Connection]:
        """A new snapshot and its id (a random 52-bit number: a cursor cannot guess another's)."""
        seconds = keep_alive_seconds(keep_alive)
        conn = begin_snapshot(self._connect())
        snapshot_id = secrets.randbits(52) | 1  # odd: never 0, and exact as a JSON number
        with self._lock:
            self._reap()
            while len(self._held) >= self._max_open:
                _, oldest = self._held.popitem(last=False)
                end_snapshot(oldest.conn)
            self._held[snapshot_id] = _Held(conn, self._clock() + seconds, seconds)
        return snapshot_id, conn

    def get(self, snapshot_id: int, keep_alive: str | None) -> sqlite3.Connection:
        """The snapshot `snapshot_id`, its keep-alive renewed; `SnapshotExpired` when it is closed."""
        seconds = keep_alive_seconds(keep_alive)
        with self._lock:
            self._reap()
            held = self._held.get(snapshot_id)
            if held is None:
                raise SnapshotExpired(
                    "this page cursor's snapshot has expired (more than its keep-alive between pages, or "
                    f"{self._max_open} newer pagings took its place): start again without a cursor"
                )
            held.keep_alive_s = max(held.keep_alive_s, seconds)
            held.expires = self._clock() + held.keep_alive_s
            self._held.move_to_end(snapshot_id)
            return held.conn

    def close(self, snapshot_id: int) -> None:
        """Close `snapshot_id` (its last page was read); nothing when it is already closed."""
        with self._lock:
            held = self._held.pop(snapshot_id, None)
        if held is not None:
            end_snapshot(held.conn)

    def open_count(self) -> int:
        """How many snapshots are held now (expired ones closed first)."""
        with self._lock:
            self._reap()
            return len(self._held)

    def close_all(self) -> None:
        with self._lock:
            held, self._held = list(self._held.values()), OrderedDict()
        for one in held:
            end_snapshot(one.conn)

    def _reap(self) -> None:
        now = self._clock()
        for snapshot_id in [k for k, h in self._held.items() if h.expires <= now]:
            end_snapshot(self._held.pop(snapshot_id).conn)
