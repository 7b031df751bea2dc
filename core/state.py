"""The small key/value state kept beside the data (cursors, read budgets, sent alerts): one protocol.

Every store implements it (`indexing.base.Store` extends `ListableState`); extractors need only
`StateStore`, so they depend on it rather than on a whole store. Each use of the state owns one
key prefix through a small facade in its own module, which also owns that use's retention rule:

- ``cursor:`` / ``budget:``          `extractors.state.CursorState` / `ReadBudget`
- ``copy:``                          `groundswell.copies.CopyIndex`
- ``share:``                         `alerts.shares.Shares` (reposts dropped as copies, for the viral detector)
- ``alerts:index`` / ``alert:``      `alerts.history.AlertLog`
- ``alert_sent:``                    `alerts.deliver.DeliveryLedger`
- ``alert_detected:``                `alerts.catchup.DetectedUpTo` (how far each brand's scheduled detection got)
- ``retention:trimmed_before``       `alerts.history_start.mark_trimmed` (where `maintain` last cut the mentions)
- ``themes:``                        `nlp.theme_state.ThemeState` (each brand's theme centroids)
- ``re_enrich:all:``                 `groundswell.re_enrich.all_pass_mark` (how far a `--all` pass got)
- ``store_copy:``                    `groundswell.store_copy` (how far a copy into this store got)
- ``spam-override:``                 `groundswell.spam` (mentions an analyst marked "not spam")
- ``spam-pending:``                  `groundswell.spam_pending` (what enrich tagged that the spam step has not examined)
- ``sentiment-correction:``          `groundswell.sentiment_corrections` (who corrected a label, and the model's)
- ``sentiment-audit:``               `groundswell.audit_results` (each scored audit's figures)
- ``alert-verdict:`` / ``alert-verdict-undone:``  `groundswell.alert_verdicts` (people's verdicts on incidents;
  replaced and undone ones)
- ``alert-mute:``                    `alerts.mute` (brands muted for a while: `groundswell alerts mute`)
- ``install:id``                     `alerts.install_id` (this installation's random id, in every idempotency key)
- ``brand-rename:pending:<OLD>``     `groundswell.brand_rename` (a `brands rename` under way, resumed by a re-run)
- ``brand-rename:done:<OLD>``        `groundswell.brand_rename_records` (a finished rename: NEW and the alerts' new ids)
- ``claim:``                         who is sending what right now (`StateStore.claim`): ``claim:alert:<channel>:<alert
  id>`` (`alerts.deliver`), ``claim:report:<channel>:<period id>`` (`groundswell.period_delivery`),
  ``claim:brand-rename:<OLD>`` (`groundswell.brand_rename`, while a rename runs); released once
  recorded, and a crashed run's expired ones go with `prune_claims` (`alerts.deliver.DeliveryLedger.prune`)
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Protocol

CLAIM_PREFIX = "claim:"


class StateStore(Protocol):
    """Get and set one string value by key; `None` when the key was never set."""

    def get_state(self, key: str) -> str | None: ...

    def set_state(self, key: str, value: str) -> None: ...

    def claim(self, key: str, owner: str, expires_at: datetime) -> bool:
        """Atomically take `key` for `owner` until `expires_at`: True when it was free (never set, released, its
        claim expired, or unreadable) or already `owner`'s (which renews it); False while another owner's claim
        is live. Of two callers racing for a free key exactly one wins. Expiry is judged by the caller's clock."""
        ...

    def release(self, key: str, owner: str) -> bool:
        """Drop `owner`'s claim on `key`; False (and nothing changes) when `owner` does not hold it."""
        ...


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


def claim_value(owner: str, expires_at: datetime) -> str:
    """The stored value of `owner`'s claim until `expires_at` (every store writes claims this way)."""
    return json.dumps({"owner": owner, "expires_at": expires_at.astimezone(UTC).isoformat()})


def claim_owner(raw: str) -> str | None:
    """Who holds the claim stored as `raw`; None when it is unreadable."""
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    return str(entry["owner"]) if isinstance(entry, dict) and "owner" in entry else None


def claim_expires(raw: str) -> datetime | None:
    """When the claim stored as `raw` expires; None when it is unreadable."""
    try:
        when = datetime.fromisoformat(json.loads(raw)["expires_at"])
    except (ValueError, TypeError, KeyError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def claim_free(raw: str | None, owner: str, now: datetime) -> bool:
    """Whether `owner` may take a key whose current value is `raw` (None: not set) at `now`: the one rule of
    every store's `claim`. An unreadable value counts as expired: a claim must never block for good."""
    if raw is None or claim_owner(raw) == owner:
        return True
    holder = claim_owner(raw)
    if holder is not None and owner_gone(holder):
        return True  # a run killed before it released: waiting for expiry would hold its alerts back for minutes
    expires = claim_expires(raw)
    return expires is None or expires <= now


def owner_gone(owner: str) -> bool:
    """Whether a claim's owner (`host:pid:run`, as `alerts.deliver.run_owner` names it) is a process of this host
    that no longer runs: a run killed (or crashed) before it released its claims, whose rerun would otherwise
    skip those alerts as in flight until the claims expire. An owner on another host, or one this cannot read,
    is never judged gone: its claims expire. A reused pid reads as alive (waits for expiry, the safe side)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, OSError):
        return False
    return False


def prune_claims(state: ListableState, now: datetime | None = None) -> int:
    """Delete the claims that expired (a crashed run's: a live run releases its own) or are unreadable; how many
    went."""
    now = now or datetime.now(UTC)
    items = state.state_items(CLAIM_PREFIX).items()
    return state.delete_state(key for key, raw in items if (when := claim_expires(raw)) is None or when <= now)
