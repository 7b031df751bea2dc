"""A person's word on a row the one-time story pass merges (`groundswell.copies.CopyIndex.merge_copies`), or on a
stand-in collection merges into the original collected after it (`CopyIndex.merge_stand_ins`), goes to the post it is
merged into: an analyst who corrected a retweet's sentiment, or marked it "not spam", said it of the story that
retweet told, and the row is deleted.

- A sentiment correction (`groundswell.sentiment_corrections`) is carried when the original has none of its own (a
  correction on the original wins) and the merged rows of that original agree on the label; the original gets the
  label, and a record like `correct_sentiment`'s (who, when, what the model said, `from`: the merged row), so an undo
  gives back the model's label.
- A "not spam" override (`groundswell.spam.mark_not_spam`) is carried when the original has none of its own; the
  original's spam flag, if any, is cleared and kept in the record (an undo flags it again).

A correction not carried (the original's own differs, or the merged rows disagree, or the original has no
sentiment) is a conflict: listed in the result and logged, never applied. Carrying writes the records before the
posts and runs before the rows are deleted, so a crash leaves the merged rows' records in place for the re-run, which
finds the same labels and writes the same records.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from core.mention import Mention, analyst_label
from groundswell.sentiment_corrections import CORRECTION_PREFIX
from groundswell.spam import OVERRIDE_PREFIX
from indexing.base import SENTIMENT, SPAM, Store

log = logging.getLogger(__name__)


@dataclass
class CarriedWord:
    """What `carry_word` did: ids of merged rows whose record went to their original, and those that did not."""

    corrections: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # corrections not carried (module docstring)


def _records(store: Store, prefix: str, ids: list[str], chunk: int) -> dict[str, dict]:
    """The JSON object records under `<prefix><id>`, one state read per `chunk` ids."""
    out: dict[str, dict] = {}
    for start in range(0, len(ids), chunk):
        raw = store.get_states([prefix + i for i in ids[start : start + chunk]])
        for key, value in raw.items():
            try:
                record = json.loads(value)
            except ValueError:
                continue
            if isinstance(record, dict):
                out[key.removeprefix(prefix)] = record
    return out


def carry_word(store: Store, roots: dict[str, str], chunk: int = 5000) -> CarriedWord:
    """Carry the corrections and "not spam" overrides of the merged rows (`roots`: row id -> the post it is merged
    into) to their originals (module docstring). Reads: the rows' records, the originals' records and the originals
    that get one, a read per `chunk`."""
    result = CarriedWord()
    rows = sorted(roots)
    corrected = _records(store, CORRECTION_PREFIX, rows, chunk)
    overridden = _records(store, OVERRIDE_PREFIX, rows, chunk)
    if not corrected and not overridden:
        return result
    targets = sorted({roots[i] for i in [*corrected, *overridden]})
    own_corrections = _records(store, CORRECTION_PREFIX, targets, chunk)
    own_overrides = _records(store, OVERRIDE_PREFIX, targets, chunk)
    originals: dict[str, Mention] = {}
    for start in range(0, len(targets), chunk):
        originals |= {m.id: m for m in store.get(targets[start : start + chunk])}
    by_original: dict[str, list[str]] = {}
    for row in sorted(corrected):
        by_original.setdefault(roots[row], []).append(row)
    states: dict[str, str] = {}
    sentiments: list[Mention] = []
    for target, group in by_original.items():
        labels = {corrected[row].get("label") for row in group}
        original = originals.get(target)
        own = own_corrections.get(target)
        if own is not None:  # the original's own correction wins; a merged row saying the same is no conflict
            result.conflicts += [row for row in group if corrected[row].get("label") != own.get("label")]
            continue
        if len(labels) != 1 or original is None or original.sentiment is None:
            result.conflicts += group
            continue
        first = corrected[group[0]]
        label = str(first.get("label"))
        try:
            sentiment = analyst_label(label)
        except ValueError:
            result.conflicts += group
            continue
        record = {key: first[key] for key in ("label", "by", "at") if key in first} | {"from": group[0]}
        if not original.sentiment.by_analyst:
            record["model"] = original.sentiment.model_dump()  # what an undo gives back
        elif "model" in first:
            record["model"] = first["model"]
        states[CORRECTION_PREFIX + target] = json.dumps(record, sort_keys=True)
        sentiments.append(original.model_copy(update={"sentiment": sentiment}))
        result.corrections += group
    cleared: list[Mention] = []
    for row in sorted(overridden):
        target = roots[row]
        if target in own_overrides:
            continue  # already "not spam": nothing to carry
        if OVERRIDE_PREFIX + target in states:  # another merged row carried one already
            result.overrides.append(row)
            continue
        original = originals.get(target)
        if original is None:
            continue
        record = {key: overridden[row][key] for key in ("by", "at") if key in overridden[row]} | {"from": row}
        if original.spam is not None:
            record["flag"] = original.spam
            cleared.append(original.model_copy(update={"spam": None}))
        states[OVERRIDE_PREFIX + target] = json.dumps(record, ensure_ascii=False)
        result.overrides.append(row)
    if states:  # records before the posts (`correct_sentiment`, `mark_not_spam`): a crash leaves one a re-run finishes
        store.set_states(states)
    failed = [r for r in store.upsert(sentiments, fields=SENTIMENT) if not r.ok] if sentiments else []
    failed += [r for r in store.upsert(cleared, fields=SPAM) if not r.ok] if cleared else []
    if failed:
        raise RuntimeError(f"carrying a person's word to merged rows' originals: {failed[0].id}: {failed[0].error}")
    if result.conflicts:
        log.warning("%d sentiment correction(s) of merged rows not carried to their original (it has its own, or "
                    "they disagree): %s", len(result.conflicts), ", ".join(result.conflicts[:10]))
    return result
