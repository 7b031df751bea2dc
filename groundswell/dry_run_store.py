"""A store opened for a dry run: nothing is written, not even by opening it.

Opening a store normally creates what is missing and upgrades what is old (SQLite: a file with empty tables, a
schema migration; Elasticsearch: `setup`'s template, indices and migration fills). A command that promises to
change nothing (`brands rename --dry-run`, `store copy --dry-run`) opens through here instead:
- SQLite: refused in one line when opening would create or upgrade the file (`groundswell.subject_readonly`),
  else opened as usual (an up-to-date file is not written by opening);
- Elasticsearch: `indexing.elasticsearch_readonly`, which skips `setup`'s writes and refuses every write;
- with `missing_as_empty`, a store that does not exist at all is read as the empty store it would be (an
  in-memory SQLite store), for a copy's target that the real copy would create.
"""

from __future__ import annotations

from pathlib import Path

from groundswell.config import Config
from groundswell.subject_readonly import upgrade_needed
from indexing.base import Store
from indexing.config import ElasticsearchStoreConfig
from indexing.factory import open_store
from indexing.sqlite import SqliteStore


class DryRunRefused(ValueError):
    """The store cannot be read without writing to it; the message (one line) says what to run."""


def open_read_only(config: Config, command: str, *, missing_as_empty: bool = False) -> Store:
    """The config's store opened so that nothing is written (module docstring); DryRunRefused otherwise."""
    if not isinstance(config.store, ElasticsearchStoreConfig):
        if missing_as_empty and not Path(config.store.path).exists():
            return SqliteStore(":memory:")
        if (why := upgrade_needed(config, command)) is not None:
            raise DryRunRefused(why)
        return open_store(config.store)
    from indexing.elasticsearch_readonly import NotReadable, StoreMissing  # lazy: the elasticsearch client is optional

    try:
        return open_store(config.store, read_only=True)
    except NotReadable as exc:
        if missing_as_empty and isinstance(exc, StoreMissing):
            return SqliteStore(":memory:")
        raise DryRunRefused(f"{command}: {exc}") from None
