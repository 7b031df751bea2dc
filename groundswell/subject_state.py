"""The state entries that name a subject, and what erasing them means for each (`groundswell subject`).

One pass over the store's state table (`Store.state_items("")`), each key judged by its owner's rule
(docs/architecture.md, "The state table"):

- ``copy:`` keys whose owner is one of their posts, whose story key names their handle (``copy:head:`` /
  ``copy:retweet:<brand>:<author>:…`` on their source), or that key a repost of their post: deleted;
- ``share:`` entries of a repost of theirs, of a repost of their post, or by / of their handle: deleted;
- corrections, "not spam" overrides and their withdrawals, keyed by one of their posts: deleted;
- ``alert:`` entries: rewritten without their posts and quotes (`alerts.redact.redact_alert`);
- any other entry keyed by one of their post ids (a `:`-separated part of the key, never a substring) is deleted;
  one whose value quotes them (`alerts.redact`: their rows, quotes, URLs and ids, never a bare word) is rewritten
  redacted, and one keyed by an alert or incident that quoted their post may lose `@them` too (a verdict's note).

Never touched: cursors (a platform's position, rewritten by the next collect), the block list itself, the theme
model (vectors and phrases of normalised text, where @handles are already replaced) and the other entries that
hold no post or person (`SKIPPED`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from alerts.history import ENTRY_PREFIX as ALERT_PREFIX
from alerts.incidents import incident_key
from alerts.redact import Redaction, alert_context, redact_alert, redact_json
from alerts.shares import PREFIX as SHARE_PREFIX
from alerts.shares import Share
from core.alert import Alert
from core.state import ListableState
from groundswell.copies import PREFIX as COPY_PREFIX
from groundswell.sentiment_corrections import CORRECTION_PREFIX
from groundswell.sentiment_corrections import UNDONE_PREFIX as CORRECTION_UNDONE
from groundswell.spam import OVERRIDE_PREFIX
from groundswell.spam import UNDONE_PREFIX as OVERRIDE_UNDONE
from groundswell.subject_block import PREFIX as FORGOTTEN_PREFIX

# Entries that hold no post or person (or must not change): never judged.
SKIPPED = ("cursor:", FORGOTTEN_PREFIX, "themes:", "budget:", "alerts:index", "alert_detected:", "alert_sent:",
           "store_copy:", "re_enrich:", "spam-pending:", "retention:")
_BY_MENTION = (CORRECTION_PREFIX, CORRECTION_UNDONE, OVERRIDE_PREFIX, OVERRIDE_UNDONE)


@dataclass
class StateFindings:
    """What erasing the subject does to the state: keys to delete and entries to rewrite, each with its place."""

    delete: dict[str, str] = field(default_factory=dict)  # key -> place ("copy", "share", ...)
    rewrite: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (place, new value)
    alerts: list[Alert] = field(default_factory=list)  # the alerts rewritten, for a store's alert index

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for place in [*self.delete.values(), *(p for p, _ in self.rewrite.values())]:
            out[place] = out.get(place, 0) + 1
        return dict(sorted(out.items()))


def _place(key: str) -> str:
    return key.split(":", 1)[0] if ":" in key else key


def find_state(state: ListableState, redaction: Redaction) -> StateFindings:
    """Judge every state entry (module docstring); reads only. The alert log first: the alerts that quoted their
    posts become `redaction.contexts`, so an entry keyed by one of them (a verdict naming @them) is judged in it."""
    found = StateFindings()
    if redaction.empty():
        return found
    items = state.state_items("")
    for key, value in items.items():
        if key.startswith(ALERT_PREFIX) and not key.startswith(SKIPPED):
            _judge_alert(key, value, redaction, found)
    for key, value in items.items():
        if key.startswith((*SKIPPED, ALERT_PREFIX)):
            continue
        if key.startswith(COPY_PREFIX):
            if _copy_theirs(key, value, redaction):
                found.delete[key] = "copy"
        elif key.startswith(SHARE_PREFIX):
            share = Share.from_entry(key, value)
            if share is not None and _share_theirs(share, redaction) or share is None and redaction.names(value):
                found.delete[key] = "share"
        elif key.startswith(_BY_MENTION):
            prefix = next(p for p in _BY_MENTION if key.startswith(p))
            if key.removeprefix(prefix) in redaction.ids:
                found.delete[key] = prefix.rstrip(":")
        elif keyed_by(key, redaction.ids):
            found.delete[key] = _place(key)
        else:
            new = _redacted_value(value, redaction, _context(key, redaction))
            if new != value:
                found.rewrite[key] = (_place(key), new)
    return found


def keyed_by(key: str, ids: set[str]) -> str | None:
    """The mention id among `ids` that a state key names as one of its `:`-separated parts (a mention id is
    `source:native`, so two parts), or None: a key is never judged by a substring."""
    parts = key.split(":")
    for i in range(1, len(parts) - 1):
        if (candidate := f"{parts[i]}:{parts[i + 1]}") in ids:
            return candidate
    return None


def _context(key: str, redaction: Redaction) -> set[str]:
    """The handles of theirs an entry keyed by an alert or incident that quoted them may name."""
    return {h for part in key.split(":")[1:] for h in redaction.contexts.get(part, ())}


def _copy_theirs(key: str, owner: str, redaction: Redaction) -> bool:
    if owner in redaction.ids:
        return True
    kind, _, rest = key.removeprefix(COPY_PREFIX).partition(":")
    if kind == "repost":
        return rest.rpartition(":")[2] in redaction.ids
    if kind in ("head", "retweet"):
        # copy:<kind>:<brand>:<author>:<hash>: the author a story is told by, on the owner's source.
        author = rest.rsplit(":", 2)[-2] if rest.count(":") >= 2 else ""
        return redaction.owns_handle(author, owner.partition(":")[0] or None)
    return False


def _share_theirs(share: Share, redaction: Redaction) -> bool:
    source = share.repost.partition(":")[0] or None
    return (share.repost in redaction.ids or share.original in redaction.ids
            or redaction.owns_handle(share.by, source) or redaction.owns_handle(share.of, source))


def _judge_alert(key: str, value: str, redaction: Redaction, found: StateFindings) -> None:
    try:
        alert = Alert.model_validate_json(value)
    except ValueError:  # unreadable: redacted as text, as any other entry
        new = redaction.text(value)
        if new != value:
            found.rewrite[key] = ("alert", new)
        return
    handles = alert_context(alert, redaction)
    for context in {alert.id, incident_key(alert)} if handles else ():
        redaction.add_context(context, handles)
    redacted = redact_alert(alert, redaction)
    if redacted is not None:
        found.rewrite[key] = ("alert", redacted.model_dump_json())
        found.alerts.append(redacted)


def _redacted_value(value: str, redaction: Redaction, handles: set[str]) -> str:
    """A JSON value redacted as JSON (its shape kept), any other value as text."""
    try:
        data: Any = json.loads(value)
    except ValueError:
        return redaction.text(value, handles)
    if not isinstance(data, dict | list):
        return redaction.text(value, handles)
    new = redact_json(data, redaction, handles)
    return value if new == data else json.dumps(new, ensure_ascii=False)
