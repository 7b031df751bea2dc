"""Shares: the reposts collection drops as copies, kept as small state entries so a post going viral is seen.

Collection stores a post once and drops its explicit reposts (`groundswell/copies.py`), so store counts count
a story once; but "one post is being reposted fast" is the crisis pattern a manager most needs to hear about,
and no stored count shows it. So each dropped repost leaves one entry here (`groundswell.shares` records it,
after its original is stored), and the viral detector (`alerts.viral`) reads them back.

Keys are ``share:<UTC hour of the repost, YYYY-MM-DDTHH>:<the repost's mention id>``: keyed by the repost's own
stable id, so a re-run or a crash-and-retry writes the same key again and never counts a repost twice; prefixed
by its hour, so a detection run lists only the days it needs (`state_items("share:2014-12-09")`), never every
share ever recorded. The value is the share as JSON (`Share`). Retention (`Shares.prune`, from
`groundswell.pipeline.prune_state`) deletes shares older than the mention cutoff and shares of originals that
are no longer stored. An unreadable entry is skipped when read and never pruned (the state table's rule).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.mention import RT_PREFIX, Mention
from core.time import as_utc
from indexing.base import Store, stored_ids

PREFIX = "share:"
_HOUR = "%Y-%m-%dT%H"
_DAY = "%Y-%m-%d"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Share:
    """One repost of a stored post: who reposted what, when, for which brands."""

    repost: str  # the repost's own mention id
    original: str  # the stored post it copies
    at: datetime  # the repost's created_at (UTC)
    brands: tuple[str, ...]
    by: str | None = None  # the reposter's handle, if known
    followers: int | None = None  # the reposter's followers, if known
    of: str | None = None  # the handle a `RT @handle:` prefix names (the original's author), if any
    # A row stored beside its original, merged into it by the one-time pass (`groundswell.copies.CopyIndex.index_heads`)
    # or a stand-in whose original was collected after it (`CopyIndex.merge_stand_ins`): counted as a share, never
    # news (`alerts.viral` fires on none, nor again on an episode it raised on such a stand-in).
    merged: bool = False

    @property
    def key(self) -> str:
        return f"{PREFIX}{self.at:{_HOUR}}:{self.repost}"

    def to_json(self) -> str:
        value = {"original": self.original, "at": self.at.isoformat(), "brands": list(self.brands),
                 "by": self.by, "followers": self.followers, "of": self.of}
        return json.dumps(value | ({"merged": True} if self.merged else {}), ensure_ascii=False)

    @classmethod
    def from_entry(cls, key: str, value: str) -> Share | None:
        """The share of one state entry; None for an entry that is not one (damaged, or written by hand)."""
        try:
            raw = json.loads(value)
            repost = key.split(":", 2)[2]
            return cls(repost=repost, original=str(raw["original"]), at=as_utc(datetime.fromisoformat(raw["at"])),
                       brands=tuple(str(b) for b in raw.get("brands") or ()), by=raw.get("by"),
                       followers=_count(raw.get("followers")), of=raw.get("of"), merged=raw.get("merged") is True)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def share_of(repost: Mention, original_id: str) -> Share:
    """The share a repost records (its brands: those it was collected for, which its original now carries)."""
    named = RT_PREFIX.match(repost.text)
    handle = named.group(0).split("@", 1)[1].rstrip(": \t").strip() if named else None
    return Share(repost=repost.id, original=original_id, at=as_utc(repost.created_at), brands=tuple(repost.brands),
                 by=repost.author.handle, followers=repost.author.followers, of=handle or None)


class Shares:
    """The facade of the ``share:`` state entries (record, read a time range, prune)."""

    def __init__(self, store: Store):
        self.store = store

    def record(self, shares: Iterable[Share]) -> int:
        """Record shares not recorded yet; return how many were new. One state read and one write per call:
        a share already there (a re-run, a retry after a crash) is neither written nor counted again."""
        wanted = {s.key: s for s in shares}
        if not wanted:
            return 0
        known = self.store.get_states(wanted)
        new = {key: s.to_json() for key, s in wanted.items() if key not in known}
        if new:
            self.store.set_states(new)
        return len(new)

    def between(self, since: datetime | None, until: datetime | None) -> list[Share]:
        """The shares reposted in [since, until), oldest first; either bound None: open. Lists one key prefix per
        UTC day of the range (every share only for an open range)."""
        if since is None or until is None:
            prefixes = [PREFIX]
        else:
            since = as_utc(since)
            days = max(0, (as_utc(until).date() - since.date()).days)
            prefixes = [f"{PREFIX}{since + timedelta(days=n):{_DAY}}" for n in range(days + 1)]
        out: list[Share] = []
        bad = 0
        for prefix in prefixes:
            for key, value in self.store.state_items(prefix).items():
                share = Share.from_entry(key, value)
                if share is None:
                    bad += 1
                elif (since is None or share.at >= as_utc(since)) and (until is None or share.at < as_utc(until)):
                    out.append(share)
        if bad:
            log.warning("skipped %d unreadable share entr%s", bad, "y" if bad == 1 else "ies")
        return sorted(out, key=lambda s: (s.at, s.repost))

    def move(self, originals: dict[str, str], since: datetime | None = None, until: datetime | None = None) -> int:
        """Re-point the shares of each post in `originals` (id -> the post it was merged into) at that post; return
        how many moved. Lists the shares reposted in [since, until) (`between`: one key prefix per day), every share
        when either bound is None: that is for a one-time pass (`groundswell.copies.CopyIndex.merge_copies`), never
        per collected batch."""
        if not originals:
            return 0
        moved = {share.key: replace(share, original=originals[share.original]).to_json()
                 for share in self.between(since, until) if share.original in originals}
        if moved:
            self.store.set_states(moved)
        return len(moved)

    def prune(self, cutoff: datetime | None = None, chunk: int = 500) -> int:
        """Delete the shares reposted before `cutoff` (the mention retention; None: no age limit) and those whose
        original is no longer stored; return how many. Unreadable entries are kept."""
        shares = [s for s in (Share.from_entry(k, v) for k, v in self.store.state_items(PREFIX).items()) if s]
        old = {s.key for s in shares if cutoff is not None and s.at < as_utc(cutoff)}
        rest = [s for s in shares if s.key not in old]
        alive = stored_ids(self.store, {s.original for s in rest}, chunk) if rest else set()
        gone = old | {s.key for s in rest if s.original not in alive}
        return self.store.delete_state(sorted(gone)) if gone else 0
