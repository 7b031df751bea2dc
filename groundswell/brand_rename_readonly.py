"""The store `groundswell brands rename --dry-run` counts on, opened without writing to it.

SQLite: refused when opening would upgrade the file (`groundswell.subject_readonly.upgrade_needed`), else opened as
usual (an up-to-date file is not written by opening). Elasticsearch: `indexing.elasticsearch_readonly`, which skips
the template, index and migration writes every other open makes, and refuses a missing or older-format store.
"""

from __future__ import annotations

from groundswell.brand_rename import RenameRefused
from groundswell.config import Config
from groundswell.pipeline import open_store
from groundswell.subject_readonly import upgrade_needed
from indexing.base import Store
from indexing.config import ElasticsearchStoreConfig
from indexing.factory import open_store as open_store_of

COMMAND = "brands rename --dry-run"


def open_for_dry_run(config: Config) -> Store:
    """The config's store, opened so that nothing is written; RenameRefused (one line) when it cannot be."""
    if not isinstance(config.store, ElasticsearchStoreConfig):
        if (why := upgrade_needed(config, COMMAND)) is not None:
            raise RenameRefused(why)
        return open_store(config)
    from indexing.elasticsearch_readonly import NotReadable  # lazy: the elasticsearch client is optional

    try:
        return open_store_of(config.store, read_only=True)
    except NotReadable as exc:
        raise RenameRefused(f"{COMMAND}: {exc}") from None
