"""How far a long pass over stored mentions got, so the same command run again continues from there.

One rule for `groundswell store re-enrich --all` and `groundswell store copy`: both read a store
oldest first (every store's `iter_mentions` order) and write in batches. After a batch is safely
written, the pass saves the created_at of the batch's last mention and how many it has done. A pass
run again with the same scope starts at that time, inclusive: mentions at exactly that time may not
all be done, so those few are done again (the same result, never a copy). A finished pass deletes
its mark, so the next one starts from the beginning.

A mark is a time, not a place in the store's insertion order (Elasticsearch has none): a mention the store
gains behind it (dated before it, written after the pass got there) is not seen by the pass. Each user decides
what that means: `store copy` ends with a check that copies whatever the target still lacks
(`groundswell.store_copy._catch_up`) before it copies cursors.

The key is a prefix (owned by the module using it; `core/state.py` lists them) and 16 hex digits of
SHA-256 over the pass's scope: the same command with another scope (window, settings, source) gets
another mark and starts over.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from core.state import ListableState


class PassMark:
    """The resume point of one pass under `prefix` + a digest of `scope` (JSON-serialisable)."""

    def __init__(self, state: ListableState, prefix: str, scope: dict[str, Any]) -> None:
        self.state = state
        digest = hashlib.sha256(json.dumps(scope, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]
        self.key = prefix + digest

    def saved(self) -> tuple[datetime, int] | None:
        """(resume time, items done before it) of an unfinished pass; None: start from the beginning.
        A mark that cannot be read (hand-edited, truncated) is ignored: starting over loses nothing."""
        raw = self.state.get_state(self.key)
        if raw is None:
            return None
        try:
            mark = json.loads(raw)
            return datetime.fromisoformat(mark["at"]), int(mark["done"])
        except (ValueError, KeyError, TypeError):
            return None

    def save(self, at: datetime, done: int) -> None:
        """Call only after every mention up to `at` (in the store's oldest-first order) is written."""
        self.state.set_state(self.key, json.dumps({"at": at.isoformat(), "done": done}))

    def finish(self) -> None:
        """The pass completed: the next one starts from the beginning."""
        self.state.delete_state([self.key])
