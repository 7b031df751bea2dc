"""The oldest code format that can read a store, recorded in the store, so a Groundswell older than the store
refuses it before it writes anything (rolling back to 4 Dec stored 1,022 posts, then failed on `brand_themes`).

Each store records `READER_FORMAT` when this version opens it (SQLite: the `store_meta` table; Elasticsearch: the
state index's mapping `_meta`), never lowering a higher one, and refuses a store whose recorded format is newer
than this version's. The check comes first (nothing is written to a newer store); then the stamp is raised, before
the first migration step: a future step that rewrites data for a raised format, killed part-way, leaves a store
older versions refuse rather than one they misread (a stamp written after the steps would let them in). Versions
before 6 Dec 2026 record nothing and check nothing: they cannot be stopped, only told about (README "Rolling
back"). Raise `READER_FORMAT` with a change an older version cannot read (a new field its strict models refuse, a
layout it would misread); the upgrade steps stay as they are.
"""

from __future__ import annotations

from indexing.base import StoreUnavailable

# 1: the format of 6 Dec 2026 (per-brand themes, `brand_themes`), the first that records it.
# 2: search document format 6 (Arabic letter variants folded; SQLite `FTS_VERSION` 10, Elasticsearch
#    `text_folded_v6`). A format-1 version would write format-5 FTS rows into an SQLite store whose user_version
#    already says 10, so nothing would ever rebuild them and search would miss those posts for good.
READER_FORMAT = 2


class StoreTooNew(StoreUnavailable):
    """The store was written by a newer Groundswell, in a format this version cannot read (one line)."""


def check(where: str, recorded: int | None) -> None:
    """Raise `StoreTooNew` when the store at `where` records a reader format newer than this version's."""
    if recorded is not None and recorded > READER_FORMAT:
        raise StoreTooNew(
            f"{where} needs Groundswell reader format {recorded}, and this version reads format {READER_FORMAT} at "
            "most: run the newer version that wrote it, or restore the backup taken before upgrading (README "
            "\"Rolling back\"); nothing was written")


def parse(value: object) -> int | None:
    """A recorded reader format, or None for a store that records none (or a value no version wrote)."""
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None
