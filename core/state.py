"""The small key/value state kept beside the data (cursors, read budgets, sent alerts): one protocol.

Every store implements it (`indexing.base.Store` extends `ListableState`); extractors need only
`StateStore`, so they depend on it rather than on a whole store. Each use of the state owns one
key prefix through a small facade in its own module, which also owns that use's retention rule:

- ``cursor:`` / ``budget:``          `extractors.state.CursorState` / `ReadBudget`
- ``copy:``                          `groundswell.copies.CopyIndex`
- ``alerts:index`` / ``alert:``      `alerts.history.AlertLog`
- ``alert_sent:``                    `alerts.deliver.DeliveryLedger`
- ``themes:``                        `nlp.theme_state.ThemeState` (each brand's theme centroids)
- ``re_enrich:all:``                 `groundswell.re_enrich.all_pass_mark` (how far a `--all` pass got)
- ``store_copy:``                    `groundswell.store_copy` (how far a copy into this store got)
- ``spam-override:``                 `groundswell.spam` (mentions an analyst marked "not spam")
- ``sentiment-correction:``          `groundswell.sentiment_corrections` (who corrected a label, and the model's)
- ``sentiment-audit:``               `groundswell.audit_results` (each scored audit's figures)
- ``alert-verdict:`` / ``alert-verdict-undone:``  `groundswell.alert_verdicts` (people's verdicts on incidents;
  replaced and undone ones)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol


class StateStore(Protocol):
    """Get and set one string value by key; `None` when the key was never set."""

    def get_state(self, key: str) -> str | None: ...

    def set_state(self, key: str, value: str) -> None: ...


class ListableState(StateStore, Protocol):
    """State that can also be listed by key prefix and pruned (what retention needs)."""

    def state_items(self, prefix: str) -> dict[str, str]:
        """Every entry whose key starts with `prefix`, by key."""
        ...

    def delete_state(self, keys: Iterable[str]) -> int:
        """Delete these keys (missing ones are ignored); return how many existed."""
        ...

    def get_states(self, keys: Iterable[str]) -> dict[str, str]:
        """The values of those of `keys` that are set, by key: one round trip for many (a batch's copy keys)."""
        ...

    def set_states(self, items: Mapping[str, str]) -> None:
        """Set every key of `items` at once (one round trip; on SQLite one transaction)."""
        ...
