"""Collection's side of shares: each repost dropped as a copy of a stored post is recorded (`alerts.shares`).

Only explicit reposts (`core.mention.is_repost`: `RT @x: …` or `extra.repost_of`) are shares; a post found again
through another source's URL is the same post, not a share of it. Call only once the originals are stored and
the copies are dropped for good (`pipeline._store_batch`, the parked replay): the same rule as
`CopyIndex.remember`. Recording is idempotent (keyed by the repost's own id), so a re-run counts nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from alerts.shares import Shares, share_of
from core.mention import Mention, is_repost
from indexing.base import Store


def record_reposts(store: Store, copies: Iterable[tuple[Mention, str]], merged: bool = False) -> int:
    """Record the reposts among `copies` ((copy, id of the stored post it copies)); return how many were new.
    `merged`: rows stored before, merged by the one-time pass (`groundswell.copies.CopyIndex.merge_copies`), marked
    so (`alerts.shares.Share.merged`): news to no viral alert."""
    return Shares(store).record(replace(share_of(copy, original), merged=merged)
                                for copy, original in copies if is_repost(copy))
