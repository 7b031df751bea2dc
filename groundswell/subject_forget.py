"""`groundswell subject forget`: erase one person's or one post's data everywhere Groundswell keeps it.

In this order, so that an interrupted run leaves nothing collection could bring back and a second run finishes it:

0. what must be redacted (`alerts.redact.Redaction`: their posts' ids, URLs, texts, authors, and the alerts that
   quoted them) is written to the state as ``forgotten:pending:<hash of the subject>``, before anything is deleted:
   a re-run after a crash reads it back, so the texts still reach the files once the mentions they came from are
   gone;
1. the block list (`groundswell.subject_block`: ``forgotten:author:…`` / ``forgotten:id:…``) so that no collect
   running meanwhile, nor any later backfill, stores their posts again;
2. their mentions, on the store (`Store.delete_ids`: the search index and side tables with them);
3. the state naming them (`groundswell.subject_state`): copy keys, shares, corrections, spam overrides, alert log
   entries rewritten without their posts and quotes, notes on those alerts naming @them;
4. the store's alert index (Elasticsearch `<prefix>-alerts`), overwritten with the redacted alerts;
5. the files the config writes (`groundswell.subject_files`): JSONL alert channels, report, digests, period
   reports, and their mentions parked in the dead-letter file. A file that cannot be read or rewritten is skipped
   and named (`unreadable`), the other steps still run;
6. the pending entry is deleted, unless a file was skipped: then it stays, and a re-run (once the file is fixed
   or moved away) finishes the job.

Idempotent: a second run finds nothing left and says so. A platform's own deletion (a tombstone from a
re-collect, `core.mention.tombstone`) goes through the same `forget` with `block=False`: the post simply is not
stored any more.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from alerts.incidents import incident_key
from alerts.redact import Redaction
from groundswell.subject import Subject, find_held
from groundswell.subject_block import PENDING_PREFIX, BlockList
from groundswell.subject_files import Places, drop_parked, lines_naming, parked_lines, redact_file, unreadable
from groundswell.subject_state import find_state
from indexing.base import Store

log = logging.getLogger(__name__)

# How long an erasure waits for a reader holding an older snapshot to end, so the WAL can be cut to nothing.
WAL_WAIT_S = 10.0
WAL_HELD = ("the WAL still holds erased pages: another reader holds the store (the dashboard?); run `groundswell "
            "subject forget` again or stop it")


@dataclass
class ForgetReport:
    """What `forget` removed (or, with `dry_run`, would remove), counted per place."""

    subject: str
    dry_run: bool = False
    mentions: int = 0  # deleted from the store
    parked: int = 0  # dropped from the dead-letter file
    state: dict[str, int] = field(default_factory=dict)  # place ("copy", "share", "alert", ...) -> entries
    alert_index: int = 0  # alert documents rewritten in the store's alert index
    files: dict[str, int] = field(default_factory=dict)  # path -> lines that named them
    blocked: int = 0  # block-list entries added
    compacted: bool = False  # the store's vacuum ran after the deletes
    wal_held: bool = False  # SQLite: the WAL could not be cut to nothing (a reader held an older snapshot)
    errors: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # files skipped: "path: reason; skipped"
    resumed: bool = False  # an earlier, interrupted run of the same subject was finished

    @property
    def removed(self) -> int:
        return self.mentions + self.parked + sum(self.state.values()) + sum(self.files.values())

    def as_dict(self) -> dict[str, Any]:
        verb = "would remove" if self.dry_run else "removed"
        note = (f"{verb} {self.removed} item(s)" if self.removed
                else "nothing left to remove: the store and the files hold nothing of this subject")
        if self.unreadable and not self.dry_run:
            note += (f"; {len(self.unreadable)} file(s) could not be read and may still quote them: fix or move them "
                     "away, then run the same command again to finish")
        if self.wal_held:
            note += f"; {WAL_HELD}"
        return {"subject": self.subject, "dry_run": self.dry_run, "mentions": self.mentions, "parked": self.parked,
                "state": self.state, "alert_index": self.alert_index, "files": self.files,
                "block_list_added": self.blocked, "resumed": self.resumed, "unreadable_files": self.unreadable,
                "compacted": self.compacted, "wal_held": self.wal_held, "errors": self.errors, "result": note}


def pending_key(subject: Subject) -> str:
    """The state key of an erasure of `subject` under way (module docstring, step 0)."""
    who = json.dumps([sorted(map(list, subject.authors)), sorted(subject.ids)])
    return PENDING_PREFIX + hashlib.sha256(who.encode("utf-8")).hexdigest()[:24]


def forget(store: Store, subject: Subject, places: Places | None, *, block: bool = True, dry_run: bool = False,
           compact: bool = True, now: datetime | None = None, carried: Redaction | None = None) -> ForgetReport:
    """Erase `subject` (module docstring). `places`: the config's files (None: the store alone); `block`: record
    the subject in the block list (False for a platform's deletion); `dry_run`: count, change nothing; `compact`:
    then run the store's `vacuum`, so what was deleted leaves the disk too (collection passes False: a platform's
    deletion is compacted by the next `groundswell maintain`); `carried`: what an interrupted erasure had to redact
    (`resume_pending`), its mentions possibly deleted already."""
    report = ForgetReport(subject.describe(), dry_run=dry_run)
    parked = [m for _, m in parked_lines(places.deadletter, subject)] if places else []
    held = find_held(store, subject, also=parked)
    redaction = held.redaction
    if carried is not None:
        redaction.merge(carried)
    key = pending_key(subject)
    earlier = store.get_states([key]).get(key)
    if earlier is not None:  # an interrupted run: its texts, though their mentions may be gone already
        redaction.merge(Redaction.from_json(earlier))
        report.resumed = not dry_run
    state = find_state(store, redaction)  # also notes the alerts that quoted them (`Redaction.contexts`)
    files = [*places.jsonl_channels, *places.report_files] if places else []
    report.mentions, report.parked, report.state = len(held.mentions), len(parked), state.counts()
    if dry_run:
        for path in files:
            try:
                if n := len(lines_naming(path, redaction)):
                    report.files[str(path)] = n
            except (OSError, ValueError) as exc:
                report.unreadable.append(unreadable(path, exc))
        report.alert_index = len(state.alerts) if hasattr(store, "index_alerts") else 0
        return report
    store.set_state(key, _pending_value(redaction, block))  # step 0: before anything is deleted
    if block:
        report.blocked = BlockList(store).add(subject.authors, subject.ids, now)
    if held.mentions:
        report.mentions = store.delete_ids(m.id for m in held.mentions)
    if state.delete:
        store.delete_state(state.delete)
    if state.rewrite:
        store.set_states({k: value for k, (_, value) in state.rewrite.items()})
    report.alert_index = _reindex_alerts(store, state.alerts, report)
    _redact_files(files, redaction, report)
    if places:
        try:
            report.parked = drop_parked(places.deadletter, subject)
        except OSError as exc:
            report.unreadable.append(unreadable(places.deadletter, exc))
    if not report.unreadable:
        store.delete_state([key])  # done: nothing of theirs is kept for a resume any more
    vacuum = getattr(store, "vacuum", None)
    if compact and report.removed and vacuum is not None:
        # Deleted is not yet gone from disk: SQLite's freed pages and FTS segments, Elasticsearch's segments keep
        # the old documents until a VACUUM or a merge. Last, once everything above is deleted.
        vacuum()
        report.compacted = True
    fold_wal = getattr(store, "fold_wal", None)
    if compact and fold_wal is not None:
        # Also on a run that finds nothing left: the way to finish folding what an earlier run's reader held.
        report.wal_held = not fold_wal(WAL_WAIT_S)
    return report


def _redact_files(files: list[Path], redaction: Redaction, report: ForgetReport) -> None:
    """Redact each file; one that cannot be read or rewritten is skipped and named, the others still done."""
    for path in files:
        try:
            if n := redact_file(path, redaction):
                report.files[str(path)] = n
        except (OSError, ValueError) as exc:  # UnicodeDecodeError and a broken JSON file are ValueErrors
            report.unreadable.append(unreadable(path, exc))


def _reindex_alerts(store: Store, alerts: list, report: ForgetReport) -> int:
    """Overwrite the redacted alerts in the store's alert index, where it keeps one; return how many landed."""
    write = getattr(store, "index_alerts", None)
    if write is None or not alerts:
        return 0
    results = list(write(alerts, incident_key))
    report.errors += [f"alert index: alert {r.id}: {r.error}" for r in results if not r.ok]
    return sum(r.ok for r in results)


def _pending_value(redaction: Redaction, block: bool) -> str:
    """The pending entry: the redaction (`Redaction.to_json`) and whether the erasure adds a block-list entry, so a
    resumed one does what the interrupted one would have done."""
    value = json.loads(redaction.to_json())
    value["block"] = block
    return json.dumps(value, ensure_ascii=False)


def resume_pending(store: Store, places: Places | None, now: datetime | None = None) -> list[ForgetReport]:
    """Finish every erasure a crash left under way (its ``forgotten:pending:`` entry, step 0). A person's `subject
    forget` is finished by running it again; a platform's deletion cannot be (a re-collect no longer sees the posts
    its interrupted run deleted), so collection calls this once per run: each entry is finished as the subject it
    names (its posts' ids, its authors), with the texts it kept, and goes once nothing was left unread. One state
    read when nothing is pending. An unreadable entry is logged and kept."""
    reports = []
    for key, value in sorted(store.state_items(PENDING_PREFIX).items()):
        try:
            carried = Redaction.from_json(value)
            block = json.loads(value).get("block", True) is not False
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("%s: not a readable pending erasure; kept", key)
            continue
        subject = Subject(authors=frozenset(carried.authors), ids=frozenset(carried.ids))
        report = forget(store, subject, places, block=block, compact=False, now=now, carried=carried)
        report.resumed = True
        if key != pending_key(subject) and not report.unreadable:
            store.delete_state([key])  # finished under the key of the subject it names
        reports.append(report)
    return reports
