"""The one place that owns collection state kept in the store: cursors and read budgets.

Keeping cursors in the same store as the mentions means a restored backup or a
fresh store never carries a cursor that points past data it does not have.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from core.state import StateStore
from extractors.errors import SourceError

log = logging.getLogger("groundswell.extractors.state")


class MemoryState:
    """A StateStore in a dict: for one-off runs (`groundswell collect --out`) and tests."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def get_state(self, key: str) -> str | None:
        return self.data.get(key)

    def set_state(self, key: str, value: str) -> None:
        self.data[key] = value


class CursorState:
    """Cursor per (source key, brand). Call `set` only after the covered data is stored."""

    def __init__(self, backend: StateStore):
        self.backend = backend

    @staticmethod
    def key(source_key: str, brand: str) -> str:
        return f"cursor:{source_key}:{brand}"

    def get(self, source_key: str, brand: str) -> str | None:
        return self.backend.get_state(self.key(source_key, brand))

    def set(self, source_key: str, brand: str, cursor: str) -> None:
        self.backend.set_state(self.key(source_key, brand), cursor)


def encode_cursor(data: dict[str, Any]) -> str:
    """Structured cursor → the string the store keeps."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def decode_cursor(cursor: str | None, source: str) -> dict[str, Any]:
    """The stored string → dict; an unreadable cursor is logged and ignored (the window bounds the re-read)."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        log.warning("%s: ignoring unreadable cursor %r; collecting the whole window again", source, cursor[:80])
        return {}
    return data


class ReadBudget:
    """Reads (posts returned) allowed per calendar month (UTC) for one source, metered in the store.

    X bills per post read: `charge` after every page, `check` before the next one.
    """

    def __init__(
        self,
        backend: StateStore,
        source_key: str,
        monthly_limit: int | None,
        warn_ratio: float = 0.8,
        now: Any = None,
    ):
        self.backend = backend
        self.source_key = source_key
        self.limit = monthly_limit
        self.warn_ratio = warn_ratio
        self._now = now or (lambda: datetime.now(UTC))

    @property
    def key(self) -> str:
        return f"budget:{self.source_key}:{self._now().strftime('%Y-%m')}"

    def used(self) -> int:
        value = self.backend.get_state(self.key)
        try:
            return int(value) if value else 0
        except ValueError:
            return 0

    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used())

    def check(self, wanted: int = 1) -> int:
        """How many reads the next request may use; SourceError when the month's budget is spent."""
        left = self.remaining()
        if left is None:
            return wanted
        if left <= 0:
            raise SourceError(
                f"{self.source_key}: monthly read budget of {self.limit} is spent ({self.key}); "
                "raise options.monthly_read_budget or wait for next month"
            )
        return min(wanted, left)

    def charge(self, reads: int) -> None:
        if reads <= 0:
            return
        before = self.used()
        after = before + reads
        self.backend.set_state(self.key, str(after))
        if self.limit is not None and before < self.warn_ratio * self.limit <= after:
            log.warning(
                "%s: %d of %d monthly reads used (%.0f%%); collection stops when the budget is spent",
                self.source_key,
                after,
                self.limit,
                100 * after / self.limit,
            )
