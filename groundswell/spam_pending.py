"""Where the spam step still has to look: the date ranges of mentions tagged but not yet examined for spam.

`enrich` records the range of what it tags here *before* each batch's tags are written, and the spam step
(`pipeline.flag_new_spam`) examines every pending range, then drops the entries it covered. Without this a run
killed between tagging and the spam step (or during it) left its posts unexamined for good: they carried a
sentiment, so no later enrich picked them up again, and a later spam step looked only at what its own run had
tagged (the chaos harness found a care account's replies and a giveaway counted as mentions after such a kill).

One key per enrich pass (``spam-pending:<token>``): a pass is the only writer of its key, so two processes
enriching one store never overwrite each other's range. The spam step deletes an entry only when it still
holds the value that step read, so a range widened meanwhile stays for the next run.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.state import ListableState
from core.time import as_utc

PREFIX = "spam-pending:"

log = logging.getLogger(__name__)


class PendingRange:
    """One enrich pass's pending range: widened (and saved) before each batch's tags land."""

    def __init__(self, state: ListableState, token: str | None = None) -> None:
        self._state = state
        self.key = PREFIX + (token or uuid.uuid4().hex[:16])
        self.first: datetime | None = None
        self.last: datetime | None = None

    def widen(self, created: list[datetime]) -> None:
        """Take these creation times into the range and save it (before the batch they belong to is written)."""
        if not created:
            return
        first, last = min(created), max(created)
        if self.first is not None and self.last is not None and self.first <= first and last <= self.last:
            return  # already covered: no write
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)
        self._state.set_state(self.key, json.dumps({"first": as_utc(self.first).isoformat(),
                                                    "last": as_utc(self.last).isoformat()}))


@dataclass(frozen=True)
class Pending:
    """The entries the spam step read: their raw values (to settle) and the ranges they name."""

    raw: dict[str, str]
    ranges: list[tuple[datetime, datetime]]


def read_pending(state: ListableState) -> Pending:
    """Every pending entry. An unreadable one is logged and settled with the rest (it names no range to look at)."""
    raw = state.state_items(PREFIX)
    ranges = []
    for key, value in raw.items():
        try:
            entry = json.loads(value)
            ranges.append((as_utc(datetime.fromisoformat(entry["first"])),
                           as_utc(datetime.fromisoformat(entry["last"]))))
        except (ValueError, TypeError, KeyError):
            log.warning("ignoring unreadable pending spam range %s: %r", key, value[:200])
    return Pending(raw, ranges)


def settle(state: ListableState, pending: Pending) -> int:
    """Delete the entries that still hold what `read_pending` read (their ranges were examined); how many went.
    One widened since stays: the batch it grew for may have landed after the spam step read the store."""
    now = state.get_states(pending.raw)
    return state.delete_state(key for key, value in pending.raw.items() if now.get(key) == value)


def merged(ranges: list[tuple[datetime, datetime]], gap: timedelta) -> list[tuple[datetime, datetime]]:
    """The ranges sorted, with those less than `gap` apart joined: one read instead of two overlapping ones."""
    out: list[tuple[datetime, datetime]] = []
    for first, last in sorted(ranges):
        if out and first - out[-1][1] <= gap:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out
