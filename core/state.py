"""The small key/value state kept beside the data (cursors, read budgets, sent alerts): one protocol.

Every store implements it (`indexing.base.Store` extends it); extractors and alert delivery need
only this much, so they depend on it rather than on a whole store.
"""

from __future__ import annotations

from typing import Protocol


class StateStore(Protocol):
    """Get and set one string value by key; `None` when the key was never set."""

    def get_state(self, key: str) -> str | None: ...

    def set_state(self, key: str, value: str) -> None: ...
