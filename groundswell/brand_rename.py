"""`groundswell brands rename OLD NEW`: move everything stored under a brand's old name to its new one.

The config is edited first (its brand's `name` is NEW, no brand is OLD: `check_config`); then this re-keys, on
either store, in this order, so that an interrupted run never lets an alert go out twice and a second run
finishes it:

0. the rename is recorded as pending (``brand-rename:pending:<OLD>``: OLD, NEW, and each of OLD's alert ids with
   the id NEW gives it, `core.alert.Alert`'s rule) before anything changes: the ledger and verdicts keep naming
   old ids after the alert log has moved, so a resumed run reads the ids from here;
1. the delivery ledger (`alerts.deliver`): an alert sent under its old id counts as sent under its new one, so
   a `run --history` after the rename, which detects the same crises under NEW, sends nothing again;
2. verdicts and their histories (`groundswell.alert_verdicts`), under the incidents' new ids;
3. the alert log (`alerts.history`), incidents and episodes with it;
4. Elasticsearch's alert documents (`<prefix>-alerts`, for Kibana): written under the new ids, the old deleted;
5. the `jsonl` alert channels' files, whose alerts the dashboard lists beside the log
   (`groundswell.brand_rename_files`), and the mentions parked in the dead-letter file;
6. the copy index's per-brand keys, then the mentions themselves (`Store.rename_brand`: their brands, the query
   each matched, their per-brand themes);
7. the per-brand state (detection's mark, themes, cursors), the shares' and the audits' brand;
8. a survey of what is left under OLD: a run that loaded the config before it was edited (a scheduled collect,
   `detect`) may have written under OLD meanwhile, so what it finds goes in another pass of steps 0-7 (PASSES in
   all); then the rename's record (`brand_rename_records`: old links and a second run find NEW by it) and the
   pending entry is deleted, unless something could not be rewritten (a file, a post: fewer renamed than found,
   writes still arriving): then it stays, the command exits 1, and the same command run again (or the next
   `collect`/`run`/`detect`, `resume_renames`) finishes the job.

The whole rename holds the store's claim ``claim:brand-rename:<OLD>`` (`core.state.StateStore.claim`, renewed each
pass), so a second rename of OLD, or a collect resuming it, skips while one runs instead of running beside it. An
OLD nothing is stored under and never renamed is refused (`brand_rename_names`: a typo).

Each step writes the new keys before deleting the old ones, and finds nothing left of OLD once done, so running the
command again says there is nothing left to rename. A NEW that already holds data is merged into: what NEW already
has under a key wins (its verdict; OLD's goes into that incident's verdict history), OLD's entries go.
Digests, reports and the HTML report are history and keep the old name, as do messages already sent.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.deliver import run_owner
from alerts.history import AlertLog
from alerts.incidents import incident_key
from core.alert import Alert
from core.state import CLAIM_PREFIX
from groundswell.alert_verdicts import alert_files
from groundswell.brand_rename_files import file_alerts, parked_naming, rename_file, rename_parked
from groundswell.brand_rename_names import UnknownBrand, check_known
from groundswell.brand_rename_records import record_done
from groundswell.brand_rename_state import (
    Change,
    alert_ids,
    logged_alerts,
    plan_alert_log,
    plan_brand_keys,
    plan_copy_keys,
    plan_ledger,
    plan_values,
    plan_verdicts,
)
from groundswell.config import Config
from groundswell.subject_files import places_of
from indexing.base import Filters, RenamesBrands, Store

PENDING_PREFIX = "brand-rename:pending:"
KINDS = ("mentions", "alerts", "incidents", "verdicts", "ledger entries", "alert documents", "channel file alerts",
         "parked mentions", "copy keys", "shares", "brand state", "audits")
CHUNK = 500
PASSES = 3  # a pass, then again while a survey finds something written under OLD meanwhile (a late write)
CLAIM_TTL = timedelta(minutes=15)  # renewed every pass; a run killed on another host frees its claim after this
_AGAIN = "run the same command again to finish"
log = logging.getLogger(__name__)


class RenameRefused(ValueError):
    """The rename cannot start; the message (one line) says what to change."""


class RenameBusy(RenameRefused):
    """Another run holds the claim on renaming this brand (`claim_key`): it is renaming it now."""


@dataclass
class RenameReport:
    """What `rename` renamed (or, with `dry_run`, would rename), counted per kind (KINDS)."""

    old: str
    new: str
    dry_run: bool = False
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    merged: bool = False  # NEW held data before the rename: OLD's is merged into it
    resumed: bool = False  # an interrupted rename of OLD to NEW was finished
    errors: list[str] = field(default_factory=list)  # what could not be rewritten (a file): run it again

    @property
    def renamed(self) -> int:
        return sum(self.counts.values())

    def result(self) -> str:
        if self.errors and not self.dry_run:
            return (f"not finished: {len(self.errors)} place(s) could not be rewritten (above); fix them (a file: "
                    "or move it away), then run the same command again to finish")
        if not self.renamed:
            return f"nothing left to rename: the store and the files hold nothing under {self.old!r}"
        verb = "would rename" if self.dry_run else "renamed"
        merged = f"; {self.new!r} already held data: {self.old!r}'s is merged into it" if self.merged else ""
        resumed = "; an interrupted rename was finished" if self.resumed else ""
        return f"{verb} {self.renamed} item(s) from {self.old!r} to {self.new!r}{merged}{resumed}"

    def lines(self) -> list[str]:
        """One line per kind, then the result."""
        verb = "would rename" if self.dry_run else "renamed"
        return [*(f"{kind}: {n} {verb}" for kind, n in self.counts.items()),
                *(f"error: {e}" for e in self.errors), self.result()]

    def as_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "dry_run": self.dry_run, "counts": self.counts,
                "merged": self.merged, "resumed": self.resumed, "errors": self.errors, "result": self.result()}


def check_config(config: Config, old: str, new: str) -> None:
    """RenameRefused unless the config already names NEW and no longer OLD (the user edits it first)."""
    names = [b.name for b in config.brands]
    if old == new:
        raise RenameRefused(f"OLD and NEW are the same name ({old!r}): nothing to rename")
    if old in names:
        raise RenameRefused(f"the config still names brand {old!r}: change its `name` to {new!r} in the config (and "
                            "every route.brands, route.exclude_brands, sources[].brands and sentiment rule naming it) "
                            "first, then run this again (docs/brands.md, 'Renaming a brand')")
    if new not in names:
        raise RenameRefused(f"the config names no brand {new!r}: change brand {old!r}'s `name` to {new!r} in the "
                            "config first, then run this again (docs/brands.md, 'Renaming a brand')")


def pending_key(old: str) -> str:
    """The state key of a rename of `old` under way (module docstring, step 0)."""
    return PENDING_PREFIX + old


def claim_key(old: str) -> str:
    """The claim a rename of `old` holds while it runs (`core.state.StateStore.claim`), so that two never overlap."""
    return f"{CLAIM_PREFIX}brand-rename:{old}"


def rename(store: Store, config: Config, old: str, new: str, *, dry_run: bool = False,
           now: datetime | None = None) -> RenameReport:
    """Rename brand `old` to `new` everywhere the store and the config's files keep it (module docstring).
    RenameRefused, before anything is written, when the config is not edited yet, another rename of `old` is under
    way (RenameBusy: another run holds its claim), or nothing is stored under `old` and it was never renamed (a
    typo); `dry_run`: count, change nothing (no claim either)."""
    check_config(config, old, new)
    if not isinstance(store, RenamesBrands):
        raise RenameRefused(f"the {getattr(store, 'name', 'configured')} store cannot rename a brand")
    if dry_run:
        pending = _checked_pending(store, old, new)
        report, _, logged = _survey(store, config, old, new, pending, dry_run=True)
        if pending is None and not report.renamed:
            _check_known(store, logged, report)
        return report
    owner, claim = run_owner(), claim_key(old)
    if not store.claim(claim, owner, _claim_until()):
        raise RenameBusy(f"another run is renaming brand {old!r} right now (it holds {claim}): nothing was changed; "
                         "run this again once it is done (a run that was killed frees it within "
                         f"{CLAIM_TTL.seconds // 60} minutes)")
    try:
        return _rename(store, config, old, new, owner, now)
    finally:
        store.release(claim, owner)


def _rename(store: Store, config: Config, old: str, new: str, owner: str, now: datetime | None) -> RenameReport:
    """`rename` holding its claim: passes until a survey finds nothing left under OLD, then the record, then done."""
    key = pending_key(old)
    pending = _checked_pending(store, old, new)
    found, _, logged = _survey(store, config, old, new, pending)
    if pending is None and not found.renamed:
        _check_known(store, logged, found)
        return RenameReport(old, new, merged=found.merged)  # a second run: nothing left to rename
    report = RenameReport(old, new, resumed=pending is not None)
    ids: dict[str, str] = {}
    for done in range(1, PASSES + 1):
        if not store.claim(claim_key(old), owner, _claim_until()):  # renewed each pass; lost only after expiry
            report.errors.append(f"the claim on this rename expired and another run took it: {_AGAIN}")
            break
        ids = _pass(store, config, old, new, report, now)
        if report.errors:
            break
        # A run that loaded the config before it was edited (a scheduled collect, `detect`) may have written under
        # OLD meanwhile: its posts, copy keys, cursors, alerts. Anything found goes in one more pass.
        left, _, _ = _survey(store, config, old, new, _pending(store.get_state(key)))
        if not left.renamed:
            break
        late = ", ".join(f"{kind} {n}" for kind, n in left.counts.items() if n)
        if done == PASSES:
            report.errors.append(f"writes under {old!r} keep arriving ({late}): a collect or detect that loaded the "
                                 f"config naming {old!r} is still running; stop it (pause the schedule), then run "
                                 "this again")
        else:
            log.warning("written under %r during the rename (%s): renaming them too", old, late)
    if not report.errors:
        record_done(store, old, new, ids)  # old links and a second run find where OLD went
        store.delete_state([key])  # done: a second run finds nothing under OLD, and says so
    return report


def _pass(store: Store, config: Config, old: str, new: str, report: RenameReport, now: datetime | None) -> dict[
        str, str]:
    """Steps 0 to 7 once (module docstring), counted into `report`; return the alert ids moved (old -> new)."""
    key = pending_key(old)
    pending = _pending(store.get_state(key))
    logged = logged_alerts(store)
    channels = alert_files(config)
    in_files = _file_alerts(channels, old, report)
    olds = [a for a in logged.values() if a.brand == old]
    ids = {**(pending or {}).get("alerts", {}), **alert_ids([*olds, *in_files], old, new)}
    report.merged = bool(pending["merged"]) if pending else _holds(store, logged.values(), new)
    report.counts["incidents"] += len({incident_key(a) for a in olds})
    started = (now or datetime.now(UTC)).isoformat()
    store.set_state(key, json.dumps({"old": old, "new": new, "alerts": ids, "merged": report.merged,
                                     "started_at": (pending or {}).get("started_at", started)}, ensure_ascii=False))
    counts = report.counts
    counts["ledger entries"] += _apply(store, plan_ledger(store, ids))
    counts["verdicts"] += _apply(store, plan_verdicts(store, new, ids))
    counts["alerts"] += _apply(store, plan_alert_log(store, old, new, ids))
    counts["alert documents"] += _alert_documents(store, ids, report)
    _files(config, channels, old, new, ids, report)
    counts["copy keys"] += _apply(store, plan_copy_keys(store, old, new, _brand_names(store, config)))
    counts["mentions"] += _mentions(store, old, new, report)
    counts["brand state"] += _apply(store, plan_brand_keys(store, old, new, _source_keys(config)))
    shares, audits = plan_values(store, old, new)
    counts["shares"] += _apply(store, shares)
    counts["audits"] += _apply(store, audits)
    return ids


def resume_renames(config: Config, store: Store) -> list[RenameReport]:
    """Finish every rename a crash left pending (step 0's entry) whose NEW the config names and whose OLD it no
    longer does: `collect` and `run` call this first, so no detection runs on a half-renamed store. A pending
    rename the config does not fit is left, with a warning naming the command that finishes it. One state read
    when nothing is pending."""
    done = []
    for key, raw in sorted(store.state_items(PENDING_PREFIX).items()):
        pending = _pending(raw)
        old, new = key.removeprefix(PENDING_PREFIX), (pending or {}).get("new")
        if not isinstance(new, str):
            log.warning("%s: not a readable pending brand rename; kept", key)
            continue
        try:
            report = rename(store, config, old, new)
        except RenameBusy:
            log.warning("a rename of brand %r to %r is pending and another run is finishing it now: skipped here",
                        old, new)
            continue
        except RenameRefused as exc:
            log.warning("an interrupted rename of brand %r to %r is pending and not finished: %s", old, new, exc)
            continue
        log.info("finished an interrupted rename of brand %r to %r: %s", old, new, report.result())
        for line in report.errors:
            log.warning("interrupted brand rename: %s", line)
        done.append(report)
    return done


def settle_renames(config: Config, store: Store) -> dict[str, str]:
    """Finish every pending rename that can be (`resume_renames`); return the configured brands a rename still
    pending leaves half-moved (another run is finishing it, or the config does not fit it), each with why.
    Detection (`pipeline.detect`: the `detect` command, `run`, the alerts DAG) skips those: judged on half a
    history its alerts would be wrong, and alerts under ids the rename is moving could be sent again."""
    resume_renames(config, store)
    names = {b.name for b in config.brands}
    held = {}
    for key, raw in sorted(store.state_items(PENDING_PREFIX).items()):
        old, new = key.removeprefix(PENDING_PREFIX), (_pending(raw) or {}).get("new")
        for name in {old, new} & names:
            held[name] = (f"a rename of brand {old!r} to {new!r} is pending: not judged until it is finished "
                          f"(`groundswell brands rename \"{old}\" \"{new}\"`, with the config naming {new!r})")
    return held


def _pending(raw: str | None) -> dict[str, Any] | None:
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("alerts", {}), dict):
        return None
    return value


def _holds(store: Store, logged: Any, new: str) -> bool:
    """Whether `new` already holds mentions or alerts (a rename onto it merges)."""
    return store.count(Filters(brand=new, include_spam=True)) > 0 or any(a.brand == new for a in logged)


def _apply(store: Store, change: Change) -> int:
    change.apply(store)
    return change.count


def _file_alerts(channels: list[str], old: str, report: RenameReport) -> list[Alert]:
    found: list[Alert] = []
    for path in channels:
        try:
            found += file_alerts(path, old)
        except OSError as exc:
            report.errors.append(f"{path}: {exc.strerror or exc}")
    return found


def _checked_pending(store: Store, old: str, new: str) -> dict[str, Any] | None:
    """The pending record of a rename of `old`; RenameRefused when it is one to another name."""
    pending = _pending(store.get_state(pending_key(old)))
    if pending is not None and pending.get("new") != new:
        theirs = pending.get("new")
        raise RenameRefused(f"a rename of {old!r} to {theirs!r} is under way: finish it first "
                            f"(`groundswell brands rename {old!r} {theirs!r}`, with the config naming {theirs!r})")
    return pending


def _check_known(store: Store, logged: dict[str, Alert], found: RenameReport) -> None:
    try:
        check_known(store, logged.values(), found.old, found.new, found.merged)
    except UnknownBrand as exc:
        raise RenameRefused(str(exc)) from None


def _survey(store: Store, config: Config, old: str, new: str, pending: dict[str, Any] | None, *,
            dry_run: bool = False) -> tuple[RenameReport, dict[str, str], dict[str, Alert]]:
    """What is left under OLD, each kind counted by the same plans as the rename, nothing written: the dry run's
    report, and the check after each pass. Returns (the report, the alert ids old -> new, the alert log)."""
    report = RenameReport(old, new, dry_run=dry_run, resumed=pending is not None and not dry_run)
    logged = logged_alerts(store)
    in_files = _file_alerts(alert_files(config), old, report)
    olds = [a for a in logged.values() if a.brand == old]
    ids = {**(pending or {}).get("alerts", {}), **alert_ids([*olds, *in_files], old, new)}
    report.merged = bool(pending["merged"]) if pending else _holds(store, logged.values(), new)
    counts = report.counts
    counts["incidents"] = len({incident_key(a) for a in olds})
    counts["ledger entries"] = plan_ledger(store, ids).count
    counts["verdicts"] = plan_verdicts(store, new, ids).count
    counts["alerts"] = plan_alert_log(store, old, new, ids).count
    listed = getattr(store, "indexed_alert_ids", None)
    counts["alert documents"] = len(listed() & set(ids)) if listed is not None and ids else 0
    counts["channel file alerts"] = len(in_files)
    counts["parked mentions"] = parked_naming(places_of(config).deadletter, old)
    counts["copy keys"] = plan_copy_keys(store, old, new, _brand_names(store, config)).count
    counts["mentions"] = store.count(Filters(brand=old, include_spam=True))
    counts["brand state"] = plan_brand_keys(store, old, new, _source_keys(config)).count
    shares, audits = plan_values(store, old, new)
    counts["shares"], counts["audits"] = shares.count, audits.count
    return report, ids, logged


def _claim_until() -> datetime:
    return datetime.now(UTC) + CLAIM_TTL


def _source_keys(config: Config) -> set[str]:
    """The source keys cursors are kept under: each source's, and its own-account collection's
    (`groundswell.pipeline.own_posts_key`, not imported: the pipeline imports this module)."""
    return {k for s in config.sources for k in (s.key, f"{s.key}#own")}


def _alert_documents(store: Store, ids: dict[str, str], report: RenameReport) -> int:
    """Elasticsearch's alert index: the renamed alerts written, then the old documents deleted; how many went."""
    write, delete = getattr(store, "index_alerts", None), getattr(store, "delete_alert_documents", None)
    if write is None or delete is None or not ids:
        return 0
    moved = AlertLog(store).stored(ids.values())
    failed = [r for r in write(list(moved.values()), incident_key) if not r.ok]
    if failed:  # the old documents stay until the new ones are there: running the command again writes them
        report.errors.append(f"the alert index did not take {len(failed)} renamed alert(s) (first: {failed[0].error})")
        return 0
    return delete(list(ids))


def _files(config: Config, channels: list[str], old: str, new: str, ids: dict[str, str],
           report: RenameReport) -> None:
    """The jsonl channels' alerts and the parked mentions; a file that cannot be rewritten is named in `errors`."""
    for path in channels:
        try:
            report.counts["channel file alerts"] += rename_file(path, old, new, ids)
        except OSError as exc:
            report.errors.append(f"{path}: {exc.strerror or exc}")
    parked = places_of(config).deadletter
    try:
        report.counts["parked mentions"] += rename_parked(parked, old, new)
    except OSError as exc:
        report.errors.append(f"{parked}: {exc.strerror or exc}")


def _brand_names(store: Store, config: Config) -> set[str]:
    """Every brand name the config or the stored mentions know."""
    return {b.name for b in config.brands} | set(store.facet(Filters(include_spam=True), "brand")) - {"unknown"}


def _mentions(store: Store, old: str, new: str, report: RenameReport) -> int:
    """Rename OLD on its stored mentions, CHUNK at a time; how many were rewritten. Fewer than were found under OLD
    (a stored copy this version cannot read, one another writer kept changing on Elasticsearch) is an error in
    `report`: the pending record stays and the command exits non-zero, never a silent success."""
    found = store.count(Filters(brand=old, include_spam=True))
    ids = [m.id for m in store.iter_mentions(Filters(brand=old, include_spam=True))]
    renamer: RenamesBrands = store  # type: ignore[assignment]  # checked by `rename`
    renamed = sum(renamer.rename_brand(old, new, ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK))
    if renamed < found:
        report.errors.append(f"{found - renamed} of the {found} post(s) under {old!r} could not be rewritten (a "
                             "stored copy this version cannot read, or one another writer kept changing): "
                             f"{_AGAIN} (the Explore page with brand {old!r} lists them)")
    return renamed
