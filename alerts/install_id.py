"""This installation's id: random, made once per store, mixed into every idempotency key
(`alerts.channels.base.idempotency_key`).

Two installs (staging and production, two regional teams) that both watch a brand of the same name and both have a
channel named `webhook` gave one receiver the same key for different alerts of the same hour, and a deduplicating
receiver dropped the second install's alert as a repeat. The id lives in the store's state (``install:id``), so it
survives re-runs and restarts: a re-send of an alert by the same install keeps its key. `groundswell store copy` never
carries it (`groundswell.store_copy`): a copy is another install, with an id of its own. Made with the store's
atomic `claim` (never expiring), so two runs that start at once on a new store agree on one id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from core.state import StateStore, claim_owner

INSTALL_KEY = "install:id"
_NEVER = datetime(9999, 12, 31, tzinfo=UTC)  # the claim never expires: the id is kept for good


def install_id(state: StateStore) -> str:
    """The store's install id, made (32 random hex digits) and kept on first use. Raises what the store raises."""
    raw = state.get_state(INSTALL_KEY)
    held = claim_owner(raw) if raw is not None else None
    if held:
        return held
    mine = uuid.uuid4().hex  # no ':' in it: `core.state.owner_gone` never takes it for a dead process
    if state.claim(INSTALL_KEY, mine, _NEVER):
        return mine
    raw = state.get_state(INSTALL_KEY)  # another run made it first: theirs
    held = claim_owner(raw) if raw is not None else None
    if not held:
        raise RuntimeError(f"state key {INSTALL_KEY} is unreadable")
    return held
