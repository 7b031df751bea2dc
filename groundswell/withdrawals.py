"""Withdrawn judgements are kept: who undid a person's sentiment correction or "not spam", and when.

An undo deletes the record that made a judgement (groundswell/sentiment_corrections.py,
groundswell/spam.py), so that the mention is judged by the model and the spam rules again. Before it
does, the record is copied into the mention's history under `<prefix><mention id>`, with who withdrew
it and when. A team can then answer "who changed this back?" from the store itself, not from a log that
may have rotated: `groundswell sentiment corrections --undone`, `groundswell spam overrides --undone`.
The histories follow their mentions: retention deletes them with the mention (`prune_withdrawn`), and
`groundswell store copy` copies them with the rest of the state. Incident verdicts keep their history here too
(keyed by incident id, `groundswell.alert_verdicts`); it goes with the incident (`prune_verdicts`), not by mention.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime

from core.time import as_utc
from indexing.base import Store, mention_keyed_records, prune_mention_keyed

MAX_KEPT = 50  # withdrawals kept per mention, newest last: a post undone back and forth stays one small entry


def keep_withdrawn(store: Store, prefix: str, records: Mapping[str, dict], by: str, now: datetime) -> None:
    """Add each record (mention id -> the record an undo is about to delete) to that mention's history,
    with `undone_by` and `undone_at`. A record already in the history is not added again, so running an
    undo again after a crash between this and the delete keeps one entry."""
    if not records:
        return
    histories = withdrawn(store, prefix, list(records))
    for mention_id, record in records.items():
        history = histories.get(mention_id, [])
        if any(_same(entry, record) for entry in history):
            continue
        entry = {**record, "undone_by": by, "undone_at": as_utc(now).isoformat()}
        kept = [*history, entry][-MAX_KEPT:]
        store.set_state(prefix + mention_id, json.dumps({"withdrawn": kept}, ensure_ascii=False, sort_keys=True))


def withdrawn(store: Store, prefix: str, ids: Iterable[str] | None = None) -> dict[str, list[dict]]:
    """The histories by mention id (of `ids`, or all), oldest withdrawal first: each entry is the deleted
    record plus `undone_by` and `undone_at`. Damaged entries are left out."""
    records = mention_keyed_records(store, prefix, ids)
    histories: dict[str, list[dict]] = {}
    for mention_id, record in records.items():
        entries = record.get("withdrawn")
        kept = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
        if kept:
            histories[mention_id] = kept
    return histories


def prune_withdrawn(store: Store, prefix: str) -> int:
    """Delete the histories of mentions no longer stored (retention took them); return how many."""
    return prune_mention_keyed(store, prefix)


def _same(entry: dict, record: dict) -> bool:
    return all(entry.get(k) == v for k, v in record.items())
