"""The mention retention: one cutoff, for what `maintain` deletes and what collection never stores.

`store.retention_days` (or `maintain --retention-days`) puts the cutoff that many days before now. `maintain`
deletes mentions created before it; collection (every source, and the dead-letter replay) drops them before
storing, so the next import of a re-exported file does not bring back what retention deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from core.mention import Mention
from groundswell.config import Config
from indexing.config import MAX_RETENTION_DAYS


def retention_days(config: Config, override: int | None = None) -> int | None:
    """The days of retention: `override` (validated), else the config's `store.retention_days`; None keeps all."""
    if override is not None and not 1 <= override <= MAX_RETENTION_DAYS:
        # The config's own bounds: 0 or less would put the cutoff at or after now and delete everything.
        raise ValueError(f"retention_days must be between 1 and {MAX_RETENTION_DAYS}, got {override}")
    return override if override is not None else getattr(config.store, "retention_days", None)


def retention_cutoff(days: int | None, now: datetime) -> datetime | None:
    """Mentions created before this are deleted by `maintain` and never stored by collection; None: no retention."""
    return now - timedelta(days=days) if days else None


def split_retained(mentions: Iterable[Mention], cutoff: datetime | None) -> tuple[list[Mention], list[Mention]]:
    """(kept, older than the cutoff): the same comparison as the stores' `delete_older_than` (created before)."""
    kept: list[Mention] = []
    old: list[Mention] = []
    for mention in mentions:
        (old if cutoff is not None and mention.created_at < cutoff else kept).append(mention)
    return kept, old
