"""Analysts' sentiment corrections: `groundswell sentiment correct`, the dashboard's "Correct" menu, and
`groundswell sentiment audit-score --apply`.

A correction replaces a mention's label with a person's (`core.mention.analyst_label`, model ANALYST).
The store keeps it over any model's later label (`indexing.base.keep_enrichment`), so re-enriching,
re-collecting or a write made from an older read never undoes it; trends, alerts and reports count the
corrected label from the next read on. Who set it, when, and what the model had said is kept in the
store's state under CORRECTION_PREFIX, beside the data (and copied with it by `groundswell store copy`).

An undo (`undo_corrections`) gives the mention back the model's label from that record, and moves the
record into the mention's history of withdrawn corrections (UNDONE_PREFIX, groundswell/withdrawals.py)
with who undid it and when.

Corrections an analyst makes while browsing are not an accuracy figure: people correct what they see is
wrong. `groundswell.sentiment_audit` measures accuracy on a random sample instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from core.mention import SENTIMENT_LABELS, Sentiment, analyst_label
from core.time import as_utc
from groundswell.withdrawals import keep_withdrawn, prune_withdrawn, withdrawn
from indexing.base import SENTIMENT, Store, mention_keyed_records, prune_mention_keyed

CORRECTION_PREFIX = "sentiment-correction:"
UNDONE_PREFIX = "sentiment-correction-undone:"  # withdrawn corrections, by mention (groundswell/withdrawals.py)
MAX_BATCH = 1000  # ids one call (one dashboard request) may correct


@dataclass
class CorrectionReport:
    """What `correct_sentiment` did; ids in the order given."""

    corrected: list[str] = field(default_factory=list)  # now carry the person's label
    unknown: list[str] = field(default_factory=list)  # no stored mention has this id: nothing written
    # stored but never enriched: left alone (a label now would keep the enrich step from giving it a
    # language, intent and themes); correct it after the next enrich
    not_enriched: list[str] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)  # "positive -> negative": count (labels that changed)


def check_labels(labels: Mapping[str, str]) -> None:
    """Raise ValueError naming the first id whose label is no sentiment label, or an empty id."""
    for mention_id, label in labels.items():
        if not mention_id:
            raise ValueError("a mention id is empty")
        if label not in SENTIMENT_LABELS:
            raise ValueError(f"{mention_id}: unknown sentiment {label!r}; use one of {', '.join(SENTIMENT_LABELS)}")


def correct_sentiment(store: Store, labels: Mapping[str, str], by: str, now: datetime) -> CorrectionReport:
    """Give each stored mention of `labels` (id -> label) a person's label; report what changed.

    Every label is checked before anything is written (ValueError). Each record is stored before its
    mention, so a crash between the two leaves a record a rerun completes. Running it again changes
    nothing; a later correction of the same mention replaces the earlier one."""
    check_labels(labels)
    report = CorrectionReport()
    found = {m.id: m for m in store.get(list(labels))}
    report.unknown = [i for i in labels if i not in found]
    corrected = []
    for mention_id, label in labels.items():
        mention = found.get(mention_id)
        if mention is None:
            continue
        before = mention.sentiment
        if before is None:
            report.not_enriched.append(mention_id)
            continue
        record = {"label": label, "by": by, "at": as_utc(now).isoformat()}
        if not before.by_analyst:
            record["model"] = before.model_dump()  # label, probs, model, uncertain: what an undo gives back
        else:  # corrected before: what the model said is in the first record
            earlier = corrections(store, [mention_id]).get(mention_id, {})
            if "model" in earlier:
                record["model"] = earlier["model"]
        store.set_state(CORRECTION_PREFIX + mention_id, json.dumps(record, sort_keys=True))
        corrected.append(mention.model_copy(update={"sentiment": analyst_label(label)}))
        if before.label != label:
            key = f"{before.label} -> {label}"
            report.changes[key] = report.changes.get(key, 0) + 1
    failed = [r for r in store.upsert(corrected, fields=SENTIMENT) if not r.ok]
    if failed:
        raise RuntimeError(f"could not store {len(failed)} correction(s) (first {failed[0].id}: {failed[0].error}); "
                           "run it again")
    report.corrected = [m.id for m in corrected]
    return report


@dataclass
class UndoReport:
    """What `undo_corrections` did; ids in the order given."""

    restored: dict[str, str] = field(default_factory=dict)  # id -> the model's label, which it carries again
    unknown: list[str] = field(default_factory=list)  # no stored mention has this id
    not_corrected: list[str] = field(default_factory=list)  # a model's label already: left alone
    # corrected, but no readable record of what the model said (damaged or deleted by hand): left as the
    # person set it; correct it to the right label instead
    no_model_label: list[str] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)  # "negative -> positive": count (labels that changed)


def undo_corrections(store: Store, ids: list[str], by: str, now: datetime) -> UndoReport:
    """Give each corrected mention of `ids` back the label the model had given it (its correction record's
    "model"), and move the record into the mention's history of withdrawn corrections, as undone `by` at
    `now`; later model runs may then change the label again.

    The mention is written before its record moves, so a crash in between leaves a record of a mention
    that carries a model's label again; running it again moves that record. Running it again changes
    nothing else."""
    report = UndoReport()
    found = {m.id: m for m in store.get(list(dict.fromkeys(ids)))}
    records = corrections(store, list(found))
    restored, stale = [], []
    for mention_id in dict.fromkeys(ids):
        mention = found.get(mention_id)
        if mention is None:
            report.unknown.append(mention_id)
            continue
        if mention.sentiment is None or not mention.sentiment.by_analyst:
            report.not_corrected.append(mention_id)
            stale += [mention_id] if mention_id in records else []
            continue
        try:
            before = Sentiment.model_validate(records[mention_id]["model"])
        except (KeyError, TypeError, ValidationError):
            report.no_model_label.append(mention_id)
            continue
        if before.by_analyst:  # a record can only hold a model's label; anything else is damage
            report.no_model_label.append(mention_id)
            continue
        restored.append(mention.model_copy(update={"sentiment": before}))
        if before.label != mention.sentiment.label:
            key = f"{mention.sentiment.label} -> {before.label}"
            report.changes[key] = report.changes.get(key, 0) + 1
    failed = [r for r in store.upsert(restored, replace_labels=True, fields=SENTIMENT) if not r.ok]
    if failed:
        raise RuntimeError(f"could not store {len(failed)} label(s) (first {failed[0].id}: {failed[0].error}); "
                           "run it again")
    report.restored = {m.id: m.sentiment.label for m in restored}
    done = [*report.restored, *stale]
    keep_withdrawn(store, UNDONE_PREFIX, {i: records[i] for i in done if i in records}, by, now)
    store.delete_state(CORRECTION_PREFIX + i for i in done)
    return report


def corrections(store: Store, ids: list[str] | None = None) -> dict[str, dict]:
    """The stored correction records, by mention id (of `ids`, or all): {"label", "by", "at", and "model":
    what the model had said, when it had said something}. An unreadable record is left out."""
    return mention_keyed_records(store, CORRECTION_PREFIX, ids)


def undone_corrections(store: Store, ids: list[str] | None = None) -> dict[str, list[dict]]:
    """The withdrawn corrections by mention id (of `ids`, or all), oldest first: each a correction record
    plus `undone_by` and `undone_at`."""
    return withdrawn(store, UNDONE_PREFIX, ids)


def prune_corrections(store: Store) -> int:
    """Delete the records and histories of mentions no longer stored (retention took them); return how many."""
    return prune_mention_keyed(store, CORRECTION_PREFIX) + prune_withdrawn(store, UNDONE_PREFIX)
