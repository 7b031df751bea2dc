"""What a collect run reports (`groundswell.pipeline.collect`): counts, failures by source × brand, and the first
reasons and ids behind them; one pass's report merges into the run's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from extractors.state import Owed

# Reasons and ids listed in a report (the counts are always complete).
REASONS_KEPT = 100


@dataclass
class CollectReport:
    # Distinct posts (`count_collected`, `count_stored`): a post naming two brands, fetched by both brands' passes and
    # written twice (its brands merged), is one post collected and one stored. `created`: new to the store.
    collected: int = 0
    stored: int = 0
    created: int = 0
    skipped: int = 0  # raw items that could not become mentions (bad lines, payloads)
    duplicates: int = 0  # cross-source copies, reposts, and ids seen again in the same pass
    failed_writes: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # "<source>/<brand>" -> error message
    # Of those, the passes stopped by their wait ceiling (extractors.http.RateLimited) -> when the limit resets.
    rate_limited: dict[str, datetime] = field(default_factory=dict)
    # "<source>/<brand>" -> the store's error when it refused the cursor of a batch already stored: a store failure,
    # not the source's. The pass stopped there; the cursor stays before the batch, so the next run fetches it again.
    cursor_errors: dict[str, str] = field(default_factory=dict)
    # The store failed during the dead-letter replay (its reason): what was parked and not stored stays parked.
    replay_error: str | None = None
    # The store could not be written (disk full, read-only, I/O error: `store_lost.store_fault_line`) when a write
    # failed, and why the failed writes could not be parked either (then only the held cursor keeps them).
    store_fault: str | None = None
    park_error: str | None = None
    skipped_reasons: list[str] = field(default_factory=list)
    # Ids that came twice in one pass with different text; the last version is the one stored.
    conflicting_ids: list[str] = field(default_factory=list)
    attempted: int = 0  # source × brand passes run
    replayed: int = 0  # parked mentions stored by this run
    deadletter: int = 0  # entries still waiting in the dead-letter file after this run
    # Mentions an earlier run parked that failed again when collected again while other writes landed: bad
    # data, not an outage; they stay parked and their source went on past them (`_store_batch`).
    failed_again: int = 0
    # Reposts dropped as copies of a stored post and recorded as shares for the first time (`groundswell.shares`;
    # what the viral detector counts). A re-run records nothing again.
    reposts_recorded: int = 0
    # Posts created before the retention cutoff (`store.retention_days`, groundswell/retention.py): collected or
    # replayed but not stored, since `maintain` would delete them (a re-exported file re-imported after it did).
    older_than_retention: int = 0
    # Posts the block list names (`groundswell subject forget`): collected or replayed, never stored; each listed
    # in `skipped_reasons` as "forgotten".
    forgotten: int = 0
    # Stored posts a re-collect found deleted or removed on the platform (a tombstone, `core.mention.tombstone`):
    # deleted from the store with their derived state, through `groundswell.subject_forget.forget`.
    deleted_upstream: int = 0
    # "<source>/<brand>[/own]" -> what its cursor still owes after this run (`extractors.state.Owed.as_dict`: the owed
    # ranges, the oldest post that may be missing, since when the oldest range has waited): a pass stopped with pages
    # left (max_pages, the read budget, a rate limit) is behind, and the store misses posts until a later run reads
    # them. Absent when nothing is owed. How many posts are owed is not known (the APIs do not count them).
    backlog: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The ids behind `collected` and `stored`; attributes, not fields, so the printed summary stays counts.
        self._collected_ids: set[str] = set()
        self._stored_ids: set[str] = set()
        # Ids of tombstones (deleted on the platform) met in this pass, erased together at its end.
        self._upstream_gone: set[str] = set()

    def count_collected(self, ids: Iterable[str]) -> None:
        """Count these posts as collected, each once however many brand passes fetch it."""
        self._collected_ids.update(ids)
        self.collected = len(self._collected_ids)

    def count_stored(self, ids: Iterable[str]) -> None:
        """Count these posts as stored, each once however many brand passes write it."""
        self._stored_ids.update(ids)
        self.stored = len(self._stored_ids)

    def note_skipped(self, reasons: Sequence[str]) -> None:
        """List these reasons among `skipped_reasons`, up to `REASONS_KEPT` in all (the counts stay complete)."""
        self.skipped_reasons.extend(reasons[: max(0, REASONS_KEPT - len(self.skipped_reasons))])

    def note_backlog(self, label: str, owed: Owed | None) -> None:
        """Record what this pass's cursor still owes (None: nothing), as the pass left it."""
        if owed is None:
            self.backlog.pop(label, None)
        else:
            self.backlog[label] = owed.as_dict()

    def merge(self, other: CollectReport) -> None:
        self.count_collected(other._collected_ids)
        self.count_stored(other._stored_ids)
        self.created += other.created
        self.skipped += other.skipped
        self.duplicates += other.duplicates
        self.failed_writes += other.failed_writes
        self.errors.update(other.errors)
        self.rate_limited.update(other.rate_limited)
        self.cursor_errors.update(other.cursor_errors)
        self.backlog.update(other.backlog)
        self.replay_error = self.replay_error or other.replay_error
        self.store_fault = self.store_fault or other.store_fault
        self.park_error = self.park_error or other.park_error
        self.note_skipped(other.skipped_reasons)
        self.conflicting_ids.extend(other.conflicting_ids[: max(0, REASONS_KEPT - len(self.conflicting_ids))])
        self.attempted += other.attempted
        self.replayed += other.replayed
        self.failed_again += other.failed_again
        self.reposts_recorded += other.reposts_recorded
        self.older_than_retention += other.older_than_retention
        self.forgotten += other.forgotten
        self.deleted_upstream += other.deleted_upstream
        self.deadletter = max(self.deadletter, other.deadletter)

    @property
    def all_failed(self) -> bool:
        """Every source × brand pass failed: nothing could be collected at all."""
        return self.attempted > 0 and len(self.errors) >= self.attempted
