"""The one place that owns collection state kept in the store: cursors and read budgets (and their retention).

Keeping cursors in the same store as the mentions means a restored backup or a
fresh store never carries a cursor that points past data it does not have.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from core.state import ListableState, StateStore, claim_free, claim_owner, claim_value
from extractors.errors import SourceError

log = logging.getLogger("groundswell.extractors.state")
T = TypeVar("T")


class MemoryState:
    """A StateStore in a dict: for one-off runs (`groundswell collect --out`) and tests."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def get_state(self, key: str) -> str | None:
        return self.data.get(key)

    def set_state(self, key: str, value: str) -> None:
        self.data[key] = value

    def state_items(self, prefix: str) -> dict[str, str]:
        return {k: v for k, v in sorted(self.data.items()) if k.startswith(prefix)}

    def delete_state(self, keys: Iterable[str]) -> int:
        return sum(self.data.pop(key, None) is not None for key in list(keys))

    # One lock for every MemoryState: `__init__` stays as it was, and a claim is a check-then-set across threads.
    _claims = threading.Lock()

    def claim(self, key: str, owner: str, expires_at: datetime) -> bool:
        with self._claims:
            if not claim_free(self.data.get(key), owner, datetime.now(UTC)):
                return False
            self.data[key] = claim_value(owner, expires_at)
            return True

    def release(self, key: str, owner: str) -> bool:
        with self._claims:
            raw = self.data.get(key)
            if raw is None or claim_owner(raw) != owner:
                return False
            del self.data[key]
            return True


class CursorState:
    """Cursor per (source key, brand), under ``cursor:``. Call `set` only after the covered data is stored.

    Retention: none. There is one small entry per configured source and brand, and a cursor
    must outlive any gap in collection (dropping it would re-read, and re-bill, the window).
    """

    def __init__(self, backend: StateStore):
        self.backend = backend

    @staticmethod
    def key(source_key: str, brand: str) -> str:
        return f"cursor:{source_key}:{brand}"

    def get(self, source_key: str, brand: str) -> str | None:
        return self.backend.get_state(self.key(source_key, brand))

    def set(self, source_key: str, brand: str, cursor: str) -> None:
        self.backend.set_state(self.key(source_key, brand), cursor)


class Newest(Generic[T]):
    """The newest value seen per key (a feed, a tag; one key "" for a single cursor): what a cursor saves.

    Each source offers the time or id of every item `Selector.add` let the cursor pass, and saves
    `values` (in its own on-disk format) only when `moved`. `order` makes values comparable
    (int of an id string, a parsed time); a value it can not read (None or ValueError) is ignored.
    """

    def __init__(self, saved: Mapping[str, T] | None = None, order: Callable[[T], Any] = lambda v: v):
        self.saved: dict[str, T] = dict(saved or {})
        self.values: dict[str, T] = dict(self.saved)
        self._order = order

    def offer(self, value: T | None, key: str = "") -> None:
        """Keep `value` for `key` if it is newer than what is kept."""
        if value is None or (new := self._rank(value)) is None:
            return
        old = self._rank(self.values.get(key))
        if old is None or new > old:
            self.values[key] = value

    def get(self, key: str = "") -> T | None:
        return self.values.get(key)

    @property
    def moved(self) -> bool:
        """Whether the cursor should be saved again."""
        return self.values != self.saved

    def _rank(self, value: T | None) -> Any:
        if value is None:
            return None
        try:
            return self._order(value)
        except (TypeError, ValueError):
            return None


def encode_cursor(data: dict[str, Any]) -> str:
    """Structured cursor → the string the store keeps."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def decode_cursor(cursor: str | None, source: str) -> dict[str, Any]:
    """The stored string → dict; an unreadable cursor is logged and ignored (the window bounds the re-read)."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        log.warning("%s: ignoring unreadable cursor %r; collecting the whole window again", source, cursor[:80])
        return {}
    return data


def now_iso() -> str:
    """The wall clock as a cursor records it (ISO, UTC, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Backlog:
    """What a run still owes when it stopped (`max_pages`, the read budget) before reaching what the last
    run read. Newest-first APIs are read from the top down, so the unread part is a range below the
    oldest item read: saved as the cursor instead of the newest item, it makes the next run read
    (`after`, `before`) first and move the cursor to `then` only once that range is read. Without it the
    cursor jumped to the newest item and the range was never asked for again.

    Values are the source's own cursor values (ids as strings, or ISO times)."""

    after: str | None  # read items newer than this (the earlier cursor; None: from the window's start)
    before: str  # ... and older than this: the oldest item the stopped run was given
    then: str | None  # the cursor once the range is read: the newest item read for good before stopping
    # When the range first became owed (wall clock, ISO UTC), kept as it shrinks: how long it has waited, what
    # health measures. Every source records it (`Backlog.owed`); None only in cursors saved before it was recorded:
    # the first run that saves such a range again stamps it (`stamped`), and until then health dates it by its top
    # post (`owed_by`).
    # Not part of equality: two entries of the same range are the same range, whenever they were owed.
    owed_at: str | None = field(default=None, compare=False)

    def entry(self) -> dict[str, str | None]:
        """The range as its cursor entry holds it (`owed_at` only when known)."""
        out = {"after": self.after, "before": self.before, "then": self.then}
        return {**out, "owed_at": self.owed_at} if self.owed_at else out

    def encode(self) -> str:
        return encode_cursor({"backlog": self.entry()})

    def stamped(self) -> Backlog:
        """This range with its `owed_at`, now when it has none (a range saved before `owed_at` was recorded): what
        every run that saves an owed range again writes, so an old cursor's wait is counted from then on."""
        return self if self.owed_at else replace(self, owed_at=now_iso())

    def moved(self, then: str | None) -> Backlog:
        """The same range (and `owed_at`, `stamped`) with a new `then`: what a run that read newer items saves."""
        return replace(self.stamped(), then=then)

    def shrunk(self, after: str | None, before: str, order: Callable[[str], Any]) -> Backlog:
        """`Backlog.owed` for what is left of this range after a read stopped in it: owed since this one was."""
        return Backlog.owed(after, before, None, order, self.owed_at)

    def upside_down(self, order: Callable[[str], Any]) -> bool:
        """Whether `after` lies above `before` (as `order` ranks the source's values): a range nothing is in.
        Values `order` can not read are not this check's business (the source ignores them)."""
        if self.after is None:
            return False
        try:
            return order(self.after) > order(self.before)
        except (TypeError, ValueError):
            return False

    @staticmethod
    def owed(
        after: str | None, before: str, then: str | None, order: Callable[[str], Any], owed_at: str | None = None
    ) -> Backlog:
        """The backlog a stopped run saves (`after`: where its search started, see `search_floor`), owed since
        `owed_at` (a range read again and still owed passes its own; None: now, a range first owed by this run).
        The one place every source's owed range gets its `owed_at`.

        Upside down it is a bug, raised: saved, the next run would read nothing and call the range done, and
        what it held would be lost for good; raised, the cursor stays and the next run searches it again."""
        backlog = Backlog(after, before, then, owed_at or now_iso())
        if backlog.upside_down(order):
            raise ValueError(f"bug: a backlog from {after} up to {before} is upside down; the cursor is not moved")
        return backlog

    @staticmethod
    def load(cursor: str | None, order: Callable[[str], Any], source: str) -> Backlog | None:
        """`decode`, and an upside-down backlog (saved by a version that started it at the window's start
        when the cursor was older) logged as the bug it is, not read through as an empty range unnoticed.
        What it lost can not be told from it (the cursor it came from is gone): the source reads its
        empty range and moves the cursor past it."""
        backlog = Backlog.decode(cursor)
        if backlog is not None and backlog.upside_down(order):
            log.error(
                "%s: bug: the saved backlog is upside down (after %s, before %s): items dated from the cursor "
                "before it up to %s were likely never read; collect them again (groundswell collect --since "
                "--until). The cursor moves past it",
                source, backlog.after, backlog.before, backlog.before,
            )
        return backlog

    @staticmethod
    def decode(cursor: str | None) -> Backlog | None:
        """The backlog a cursor holds, or None when it holds none (a plain cursor, or none at all)."""
        if not cursor or not cursor.startswith("{"):
            return None
        try:
            data = json.loads(cursor)["backlog"]
            after, before, then, owed_at = data.get("after"), data["before"], data.get("then"), data.get("owed_at")
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if not isinstance(before, str) or not all(v is None or isinstance(v, str) for v in (after, then)):
            return None
        return Backlog(after, before, then, owed_at if isinstance(owed_at, str) else None)


def encode_backlogs(ranges: list[Backlog]) -> str:
    """Several owed ranges of one cursor, newest first (one `then` for all: the first's): the first as `backlog`,
    what a reader of one range reads, the others under `more`. One range encodes as `Backlog.encode`."""
    first, rest = ranges[0], ranges[1:]
    if not rest:
        return first.encode()
    more = [{k: v for k, v in b.entry().items() if k != "then"} for b in rest]
    return encode_cursor({"backlog": first.entry(), "more": more})


def decode_backlogs(cursor: str | None) -> list[Backlog]:
    """The ranges `encode_backlogs` saved, newest first ([] for a cursor that holds none); each has the first's
    `then`. An unreadable `more` entry is left out (the window bounds what it held, as for a damaged cursor)."""
    first = Backlog.decode(cursor)
    if first is None:
        return []
    try:
        more = json.loads(cursor or "").get("more") or []
    except (ValueError, AttributeError):
        more = []
    rest = [Backlog.decode(encode_cursor({"backlog": {**m, "then": first.then}})) if isinstance(m, dict) else None
            for m in (more if isinstance(more, list) else [])]
    return [first, *(b for b in rest if b is not None)]


@dataclass(frozen=True)
class RangeRead:
    """How one read of a range ended (the `read` of `read_newest_first`)."""

    pages: int  # the pages it read
    below: str | None = None  # stopped with pages left: the range is still owed below this value (its new `before`)
    untouched: bool = False  # stopped before its first page: the range is owed whole


# read(after, before, cap): the pages of every search from `after` up to `before` (None: no top, the newest), at
# most `cap` pages each, yielded as they come; returns how it ended.
ReadRange = Callable[[str | None, str | None, int], Generator[Any, None, RangeRead]]


def read_newest_first(
    ranges: list[Backlog], then: str | None, max_pages: int, read: ReadRange, order: Callable[[str], Any]
) -> Generator[Any, None, tuple[list[Backlog], bool]]:
    """A run of a source that owes `ranges` (newest first, `decode_backlogs`), the rule every newest-first search
    shares: the new posts first (from `then` up, half the pages), then the owed ranges, newest range first, with the
    pages left. During a burst that outruns a run, the store (the dashboard, the detectors) sees the burst go on,
    not freeze at the point the first stopped run reached. With `max_pages` 1 there is nothing to share: the run
    reads the newest owed range. With `then` None (a stopped run kept no post) the new read covers the newest range
    from its start up.

    Returns the ranges still owed, newest first (their `then` is None: the caller sets the newest read), and
    whether anything was read (else the saved cursor stays). A range read through is dropped; one stopped with
    pages left shrinks to (after, `below`); one not reached is kept. The caller saves the cursor only after this
    generator ends, so every page is stored before it moves (a crash on the way saves nothing)."""
    ranges, owed, moved, pages_left = list(ranges), [], False, max_pages
    if ranges and max_pages > 1:
        start, covered = then, None
        if then is None:
            covered = ranges.pop(0)
            start = covered.after
        cap = max_pages // 2 if ranges else max_pages
        got = yield from read(start, None, cap)
        pages_left -= got.pages
        if got.untouched:
            owed += [covered.stamped()] if covered is not None else []
        else:
            moved = True
            if got.below is not None:
                left = covered.shrunk(start, got.below, order) if covered else None  # owed since `covered` was
                owed.append(left or Backlog.owed(start, got.below, None, order))
    for backlog in ranges:
        if pages_left <= 0:
            owed.append(backlog.stamped())
            continue
        got = yield from read(backlog.after, backlog.before, pages_left)
        pages_left -= got.pages
        if got.untouched:
            owed.append(backlog.stamped())
            continue
        moved = True
        if got.below is not None:
            owed.append(backlog.shrunk(backlog.after, got.below, order))
    return owed, moved


def owed_backlogs(cursor: str | None) -> list[Backlog]:
    """Every `Backlog` a saved cursor holds, wherever its source keeps them: the cursor's own (`{"backlog": ...}`:
    x, bluesky, hackernews; x's older ranges under `more`), one per tag (mastodon: `{"<tag>": {"backlog": ...}}`)
    and one per own account (under `"#owed"`: mastodon, bluesky). What the collect report and `groundswell
    health` read to say a source is behind."""
    data = decode_cursor(cursor, "cursor") if cursor and cursor.startswith("{") else {}
    found: list[Backlog | None] = [*decode_backlogs(cursor)]
    for key, value in data.items():
        if key == "#owed" and isinstance(value, dict):
            found += [Backlog.decode(encode_cursor({"backlog": fields})) for fields in value.values()]
        elif isinstance(value, dict) and "backlog" in value:
            found += decode_backlogs(encode_cursor(value))
    return [b for b in found if b is not None]


@dataclass(frozen=True)
class Owed:
    """What one source × brand still owes after its last pass (`owed_by`), for the collect report and health."""

    ranges: int  # the owed ranges (a backlog per tag or account counts once each)
    since: datetime | None  # the oldest post that may be missing: the lowest range's start (None: not known)
    waiting_since: datetime | None  # when the longest-owed range became owed (None: not known for any range)

    def as_dict(self) -> dict[str, Any]:
        """For the printed report: times as ISO strings (UTC)."""
        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.astimezone(UTC).isoformat(timespec="seconds")

        return {"ranges": self.ranges, "missing_since": iso(self.since), "waiting_since": iso(self.waiting_since)}


def owed_by(cursor: str | None, time_of: Callable[[str], datetime | None]) -> Owed | None:
    """What `cursor` still owes (None when it owes nothing); `time_of`: the source's own value → time
    (`Extractor.owed_time`), None for a value it can not date (a page cursor)."""
    backlogs = owed_backlogs(cursor)
    if not backlogs:
        return None

    def dated(values: Iterable[str | None]) -> list[datetime]:
        times = []
        for value in values:
            try:
                t = time_of(value) if value else None
            except (TypeError, ValueError, OverflowError, OSError):
                t = None
            if t is not None:
                times.append(t if t.tzinfo else t.replace(tzinfo=UTC))
        return times

    starts = dated(b.after for b in backlogs)
    # How long a range has been owed is wall-clock time since it became owed (`owed_at`), not its posts' age: a
    # first fill of a week of history is owed posts days old, yet has waited no time. A range saved before
    # `owed_at` was recorded (and not saved again since: a source stuck since the upgrade) falls back to the rule
    # before it, the time of its top post: it has waited at least since then. Its next save stamps it (`stamped`).
    owed_since = []
    for b in backlogs:
        try:
            t = datetime.fromisoformat(b.owed_at) if b.owed_at else None
        except ValueError:
            t = None
        if t is not None:
            owed_since.append(t if t.tzinfo else t.replace(tzinfo=UTC))
        else:
            owed_since += dated([b.before])
    return Owed(len(backlogs), min(starts, default=None), min(owed_since, default=None))


def search_floor(cursor: T | None, window_start: T | None) -> T | None:
    """Where a search that resumes from `cursor` starts, and so where a `Backlog` it leaves starts: the cursor
    when there is one, else the window's start. Not the later of the two: a cursor older than the window is
    searched from all the same (`Selector.reach_back_to`), a stopped search's oldest item can lie between
    them, and a backlog from the window's start would skip the items below it (or be upside down)."""
    return cursor if cursor is not None else window_start


BUDGET_PREFIX = "budget:"
_MONTH = re.compile(r"\d{4}-\d{2}")


class ReadBudget:
    """Reads (posts returned) allowed per calendar month (UTC) for one source, metered in the store.

    X bills per post read: `charge` after every page, `check` before the next one. Keys are
    ``budget:<source key>:<YYYY-MM>``; `prune` drops the months before the previous one.
    """

    def __init__(
        self,
        backend: StateStore,
        source_key: str,
        monthly_limit: int | None,
        warn_ratio: float = 0.8,
        now: Any = None,
    ):
        self.backend = backend
        self.source_key = source_key
        self.limit = monthly_limit
        self.warn_ratio = warn_ratio
        self._now = now or (lambda: datetime.now(UTC))

    @property
    def key(self) -> str:
        return f"{BUDGET_PREFIX}{self.source_key}:{self._now().strftime('%Y-%m')}"

    @staticmethod
    def prune(backend: ListableState, now: datetime) -> int:
        """Delete every source's counters of months before last month (kept: last month, for reports)."""
        last_month = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        months = {key: key.rsplit(":", 1)[-1] for key in backend.state_items(BUDGET_PREFIX)}
        stale = [key for key, month in months.items() if _MONTH.fullmatch(month) and month < last_month]
        return backend.delete_state(stale)

    def used(self) -> int:
        value = self.backend.get_state(self.key)
        try:
            return int(value) if value else 0
        except ValueError:
            return 0

    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used())

    def check(self, wanted: int = 1) -> int:
        """How many reads the next request may use; SourceError when the month's budget is spent."""
        left = self.remaining()
        if left is None:
            return wanted
        if left <= 0:
            raise SourceError(
                f"{self.source_key}: monthly read budget of {self.limit} is spent ({self.key}); "
                "raise options.monthly_read_budget or wait for next month"
            )
        return min(wanted, left)

    def charge(self, reads: int) -> None:
        if reads <= 0:
            return
        before = self.used()
        after = before + reads
        self.backend.set_state(self.key, str(after))
        if self.limit is not None and before < self.warn_ratio * self.limit <= after:
            log.warning(
                "%s: %d of %d monthly reads used (%.0f%%); collection stops when the budget is spent",
                self.source_key,
                after,
                self.limit,
                100 * after / self.limit,
            )
