"""An Elasticsearch store opened for reading only: what `groundswell brands rename --dry-run` counts on.

Opening an `ElasticsearchStore` brings the cluster up to date (`setup`: the index template, the state and alert
indices, this month's index, each migration's fill of new fields). A dry run promises to change nothing, so this
store skips `setup`: it checks, reading only, that the store is there and in this version's reader format
(`indexing.reader_format`, recorded before any migration step), and refuses with one line otherwise. Its writes
raise, so a bug cannot turn a dry run into a write.
"""

from __future__ import annotations

from typing import Any, NoReturn

from indexing import reader_format
from indexing.elasticsearch import ElasticsearchStore
from indexing.elasticsearch_migrate import check_reader_format


class NotReadable(ValueError):
    """The store cannot be read as it is without writing to it; the message (one line) says what to run."""


class StoreMissing(NotReadable):
    """There is no store under the prefix at all (nothing to read): a dry run may count it as empty."""


class ReadOnlyElasticsearchStore(ElasticsearchStore):
    """`ElasticsearchStore` without `setup`'s writes; NotReadable when it is missing or needs an upgrade."""

    def setup(self) -> None:
        """Check, never write (module docstring)."""
        client = self.client
        missing = [i for i in (self.state_index, self.alerts_index) if not client.indices.exists(index=i)]
        if missing or not client.indices.exists_alias(name=self.alias):
            raise StoreMissing(f"no Elasticsearch store with prefix {self.prefix!r} (missing: "
                              f"{', '.join(missing) or self.alias}): nothing to read, and opening it would create it")
        recorded = check_reader_format(self)  # a newer version's store is refused here too
        if recorded is None or recorded < reader_format.READER_FORMAT:
            raise NotReadable(f"the Elasticsearch store {self.prefix!r} is in an older format that opening it would "
                              "upgrade: run `groundswell maintain -c CONFIG` first (README \"Upgrading\"), then run "
                              "this again")
        self.langs_normalised = 0
        self.legacy_brands_moved = 0

    def _refuse(self, *_: Any, **__: Any) -> NoReturn:
        raise RuntimeError(f"the Elasticsearch store {self.prefix!r} is open read-only")

    set_state = set_states = delete_state = claim = release = _refuse  # type: ignore[assignment]
    upsert = rename_brand = index_alerts = delete_alert_documents = _refuse  # type: ignore[assignment]
