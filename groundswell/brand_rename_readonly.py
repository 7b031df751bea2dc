"""The store `groundswell brands rename --dry-run` counts on, opened without writing to it.

`groundswell.dry_run_store.open_read_only` (SQLite refused when opening would create or upgrade the file;
Elasticsearch opened without `setup`'s writes, a missing or older-format store refused), its refusal turned into
the rename's.
"""

from __future__ import annotations

from groundswell.brand_rename import RenameRefused
from groundswell.config import Config
from groundswell.dry_run_store import DryRunRefused, open_read_only
from indexing.base import Store

COMMAND = "brands rename --dry-run"


def open_for_dry_run(config: Config) -> Store:
    """The config's store, opened so that nothing is written; RenameRefused (one line) when it cannot be."""
    try:
        return open_read_only(config, COMMAND)
    except DryRunRefused as exc:
        raise RenameRefused(str(exc)) from None
