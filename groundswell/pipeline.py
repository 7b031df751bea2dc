"""The library layer every entry point calls: CLI commands and Airflow tasks alike.

collect → enrich → themes → detect → notify → report. Each step is a plain
function taking the validated `Config` and a `Store`, safe to re-run
(idempotent) and safe to crash in (cursors are saved only after the data they
cover is stored; alerts are marked sent only after a channel accepted them).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from alerts.catchup import DetectedUpTo
from alerts.config import AlertsConfig, rules_for
from alerts.deliver import DeliveryLedger, DeliveryReport, deliver, offered_since, run_owner, with_pending
from alerts.detect import alert_window, detect_alerts, newest_mention, sentiment_rules
from alerts.history import AlertLog, save_alerts, stored_alerts
from alerts.history_start import mark_trimmed, trimmed_before
from alerts.incidents import count_alerts, incident_key
from alerts.mute import prune as prune_mutes
from alerts.response import response_report
from alerts.shares import Shares
from alerts.theme_tree import summary_rows
from alerts.unlabelled import STUCK_AFTER, Unlabelled, awaiting_labels
from core.accounts import OwnAccounts
from core.alert import Alert
from core.batches import batched
from core.mention import Mention, is_tombstone, model_builds
from core.state import claim_owner, prune_claims
from core.time import check_range, plain_utc
from extractors.base import Batch, Extractor, SourceError, Window, checked_sources
from extractors.config import SourceConfig
from extractors.http import RateLimited
from extractors.registry import build_extractor
from extractors.state import CursorState, ReadBudget, owed_by
from groundswell import themes_step
from groundswell.advocates import advocates
from groundswell.alert_verdicts import delivery_verdicts, prune_verdicts
from groundswell.brand_rename import resume_renames, settle_renames
from groundswell.brand_rename_hint import warn_cursorless_renames
from groundswell.brands import MigrateReport, attribute, collection_lang_of, reattribute
from groundswell.collect_report import REASONS_KEPT, CollectReport
from groundswell.config import BrandConfig, Config
from groundswell.copies import CopyIndex
from groundswell.deadletter import DeadLetter
from groundswell.digest import digest_day
from groundswell.health import PassWatch, pass_error, record_source_pass
from groundswell.health import prune as prune_health
from groundswell.health_delivery import record_deliveries
from groundswell.interrupt import Interrupted, at_step, shielded
from groundswell.own_accounts import own_accounts
from groundswell.period_delivery import run_daily_digest, run_period_report
from groundswell.periods import PeriodKind
from groundswell.report import write_report as _write
from groundswell.retention import retention_cutoff, split_retained
from groundswell.retention import retention_days as _retention_days
from groundswell.retention_files import prune_files
from groundswell.sentiment_corrections import prune_corrections
from groundswell.sentiment_rules import SentimentRules
from groundswell.shares import record_reposts
from groundswell.spam import LOOKBACK, SpamReport, excluded, flag_spam, prune_overrides
from groundswell.spam_pending import PendingRange, merged, read_pending, settle
from groundswell.store_lost import StoreLost, is_unreachable, reason_of, store_fault_line
from groundswell.subject import Subject
from groundswell.subject_block import BlockList, forgotten_reason
from groundswell.subject_files import places_of
from groundswell.subject_forget import forget, resume_pending
from groundswell.targets import collected_sources, plan_targets
from groundswell.upgrade_backfill import MAINTAIN_SPAM_POSTS, backfill_spam, catch_up
from indexing.base import ENRICHED, Filters, Store, WriteResult, is_no_longer_stored
from indexing.factory import open_store as _open_store
from nlp.embeddings import SentenceEmbeddings
from nlp.enrich import Enricher
from nlp.normalize import normalize

log = logging.getLogger("groundswell.pipeline")


# Rounds of `_store_batch`: the batch, then its copies whose original retention deleted meanwhile; a third only
# when originals are deleted under it again.
COPY_ROUNDS = 3
# The store's enrich lock (`enrich`): a `claim:` key, so an expired one goes with `prune_claims`, and one a killed
# process of this host left is free at once (`core.state.claim_free`). Renewed before each batch, which takes well
# under this even on a busy 2-core machine.
ENRICH_CLAIM = "claim:enrich"
ENRICH_CLAIM_TTL = timedelta(minutes=15)


@dataclass
class EnrichReport:
    enriched: int = 0
    by_lang: dict[str, int] = field(default_factory=dict)
    by_sentiment: dict[str, int] = field(default_factory=dict)
    model: str | None = None
    # Labels the config's sentiment rules gave instead of the model's, by rule (groundswell/sentiment_rules.py).
    by_rule: dict[str, int] = field(default_factory=dict)
    # Oldest and newest created_at among the mentions tagged: where the spam step looks (`groundswell.spam`).
    first: datetime | None = None
    last: datetime | None = None
    # Stored labels another model build gave, by build (`labels_of_other_models`): after an upgrade or a
    # change of nlp.sentiment_model, what `groundswell store re-enrich` would tag again.
    other_models: dict[str, int] = field(default_factory=dict)
    # Read for tagging, then deleted (by retention) before the tags were written: left deleted.
    no_longer_stored: int = 0
    # Another process held the store's enrich claim (`ENRICH_CLAIM`): this pass tagged nothing, and names it.
    busy: str | None = None


# -- store -------------------------------------------------------------------------------------
def open_store(config: Config) -> Store:
    """The store the config names (SQLite by default, Elasticsearch when configured)."""
    return _open_store(config.store)


def cannot_write(path: str | Path, exc: OSError) -> str:
    """The one line for an output that could not be written: `cannot write PATH: reason`, the reason naming
    the file that is in the way when a folder above PATH could not be made (the OS only says "Not a
    directory" or "File exists")."""
    failed = os.fsdecode(exc.filename) if exc.filename is not None else None
    reason = exc.strerror or str(exc)
    if failed is not None and isinstance(exc, FileExistsError | NotADirectoryError):
        in_the_way = next((p for p in [*reversed(Path(failed).parents), Path(failed)] if p.is_file()), None)
        if in_the_way is not None:
            return f"cannot write {path}: {in_the_way} is a file, not a folder"
    if failed is not None and os.path.abspath(failed) != os.path.abspath(path):
        reason = f"{failed}: {reason}"
    return f"cannot write {path}: {reason}"


def _deadletter_path(config: Config) -> Path:
    return Path(config.report.path).parent / "deadletter.jsonl"


def dead_letter(config: Config) -> DeadLetter:
    """The dead-letter file of this config (beside the report)."""
    return DeadLetter(_deadletter_path(config))


def replay_deadletter(config: Config, store: Store) -> CollectReport:
    """Store what earlier runs parked; what still fails stays parked. Runs at the start of `collect`.

    Never raises for a store failure (down, refusing, gone part-way): what is not known stored stays parked, the
    file is rewritten with it, and `replay_error` says why; collection then meets the store on its own.
    A store down from the start never gets here from the CLI: opening it fails first (`StoreUnavailable`)."""
    report = CollectReport()
    letters = dead_letter(config)
    if not letters.path.exists():
        return report
    with letters.replaying() as parked:
        # What retention would delete is not stored back: it leaves the file, counted.
        _, old = split_retained(parked.mentions.values(), _collection_cutoff(config, store))
        for mention in old:
            parked.mentions.pop(mention.id)
        report.older_than_retention = len(old)
        # What was forgotten while it waited leaves the file, never stored (`groundswell subject forget`).
        allowed = {m.id for m in _drop_forgotten(store, list(parked.mentions.values()), report)}
        for mention_id in [i for i in parked.mentions if i not in allowed]:
            parked.mentions.pop(mention_id)
        if parked.mentions:
            try:
                _replay_parked(store, parked.mentions, report)
            except Exception as exc:  # noqa: BLE001 - the store failed: whatever was not stored stays parked
                report.replay_error = reason_of(exc)
                log.error("dead letters: the store failed during the replay (%s); %d mention(s) stay parked",
                          report.replay_error, len(parked))
        report.deadletter = len(parked)
    if report.replayed:
        log.warning("dead letters: stored %d parked mention(s); %d still waiting", report.replayed, report.deadletter)
    return report


def _replay_parked(store: Store, parked: dict[str, Mention], report: CollectReport) -> None:
    """Store the parked mentions, dropping copies as collection does; each stored one leaves `parked` as soon as it
    is known stored. Raises what the store raises outside the writes (copy lookups, shares)."""
    # The copy rule of collection holds here too: while a mention waited, another source may have stored
    # the same story (groundswell/copies.py); storing it now would count the story twice.
    index = CopyIndex(store)
    originals, copies = index.split(list(parked.values()))
    try:
        results = list(store.upsert(stamped(originals)))
    except Exception as exc:  # noqa: BLE001 - the store is still down: everything stays parked
        log.error("dead letters: replay failed, %d stay parked (%s: %s)", len(parked), type(exc).__name__, exc)
        report.replay_error = reason_of(exc)
        results = []
    stored = [parked.pop(r.id) for r in results if r.ok and r.id in parked]
    report.count_stored(m.id for m in stored)
    report.replayed = len(stored)
    report.created = sum(int(r.created) for r in results if r.ok)
    index.remember(stored)
    report.duplicates, report.reposts_recorded = _drop_parked_copies(index, copies, parked)


def _parked_count(config: Config) -> int | None:
    """How many mentions wait in the dead-letter file; None when it cannot be read."""
    try:
        return dead_letter(config).count()
    except OSError:
        return None


def _collection_cutoff(config: Config, store: Store) -> datetime | None:
    """The retention cutoff as of now: collection never stores older posts. The later of the configured one (the
    one `maintain` deletes before) and where `maintain` last cut the store (`retention:trimmed_before`): a
    `maintain --retention-days N` run by hand cut further than the config says, and a backfill must not bring
    back what it deleted."""
    configured = retention_cutoff(_retention_days(config), datetime.now(UTC))
    trimmed = trimmed_before(store)
    return max((c for c in (configured, trimmed) if c is not None), default=None)


def _drop_parked_copies(index: CopyIndex, copies: list[tuple[Mention, str]],
                        parked: dict[str, Mention]) -> tuple[int, int]:
    """Unpark the copies whose original is stored, once that original carries their brands and their reposts are
    recorded as shares; return how many, and how many shares were new. A copy of a mention still parked (it failed
    again), or whose brands could not be added, stays parked."""
    stored = {m.id for m in index.store.get(list({owner for _, owner in copies}))} if copies else set()
    ready = [(copy, owner) for copy, owner in copies if owner in stored]
    if not ready or index.give_owners_brands(ready):
        return 0, 0
    recorded = record_reposts(index.store, ready)
    for copy, _ in ready:
        parked.pop(copy.id, None)
    return len(ready), recorded


# -- collect -----------------------------------------------------------------------------------
def collect(
    config: Config,
    store: Store,
    *,
    source: str | None = None,
    brand: str | None = None,
    window: Window | None = None,
    progress: bool = False,
    use_cursor: bool = True,
) -> CollectReport:
    """Run every (or one) source for every (or one) brand; store mentions; advance cursors after storing.

    A failing source is recorded in `errors` and the others still run. Raises
    `UnknownTarget` only for a source/brand name the config does not have (`targets.plan_targets`).
    `use_cursor=False` is for backfills of a past range: saved cursors (which point
    at the newest data) are neither read nor moved, so the whole window is fetched.
    Raises ValueError for a window whose start is not before its end (nothing is read).
    """
    if window is not None:
        check_range(window.since, window.until)
    targets = plan_targets(config, source=source, brand=brand)
    # Erasures a crash left under way first: a platform's deletion cannot be re-run by hand (`resume_pending`).
    _resume_erasures(config, store)
    # Brand renames a crash left under way too: no detection may run on a half-renamed store (`resume_renames`).
    resume_renames(config, store)
    if use_cursor:  # a brand renamed in the config, not yet in the store: its sources would be read from the start
        warn_cursorless_renames(config, store)
    # Parked mentions first: they were collected earlier and may since have left the sources' windows.
    report = replay_deadletter(config, store)
    for target in targets:
        report.merge(
            collect_one(
                config, store, target.source, target.brand, window or Window(), progress=progress, use_cursor=use_cursor
            )
        )
    report.deadletter = dead_letter(config).count()
    return report


def collect_one(
    config: Config,
    store: Store,
    source: SourceConfig,
    brand: str,
    window: Window,
    progress: bool = False,
    use_cursor: bool = True,
) -> CollectReport:
    """One source × one brand: the unit Airflow maps over (and the brand's own posts there, if configured)."""
    report = CollectReport(attempted=1)
    seen: dict[str, str] = {}  # id -> text fingerprint, for ids repeated within this pass
    extractor = build_extractor(source, state=store)
    extractor.lang_of = collection_lang_of(config)  # `lang:` on a post without a language: the one enrich detects
    query = config.brand(brand).search_query  # the query OR any alias (core/query/aliases.py)
    window = Window(plain_utc(window.since), plain_utc(window.until), follows_cursor=use_cursor)
    watch = PassWatch()  # items and newest post time, for the pass's health record (groundswell/health.py)
    _run_source(
        config,
        store,
        report,
        seen,
        f"{source.key}/{brand}",
        source.key,
        brand,
        # Where mentions enter: each batch's sources checked against the extractor's type before it is stored.
        lambda cursor: watch.watch(checked_sources(extractor, extractor.extract(brand, query, cursor, window))),
        progress,
        use_cursor,
        among=config.brands_for(source),
    )
    _note_backlog(store, report, f"{source.key}/{brand}", source.key, brand, extractor, use_cursor)
    accounts = config.brand(brand).own_accounts.get(source.type)
    if accounts and extractor.collects_own_posts:
        # The brand's own replies, query or not: response times need them (alerts.response).
        _run_source(
            config,
            store,
            report,
            seen,
            f"{source.key}/{brand}/own",
            own_posts_key(source.key),
            brand,
            lambda cursor: watch.watch(
                checked_sources(extractor, extractor.own_posts(brand, query, accounts, cursor, window))
            ),
            progress,
            use_cursor,
            among=config.brands_for(source),
        )
        _note_backlog(store, report, f"{source.key}/{brand}/own", own_posts_key(source.key), brand, extractor,
                      use_cursor)
    _delete_upstream(config, store, report)
    # Last: after its batches are stored and its cursors saved, so a crash never records a success.
    record_source_pass(store, source.key, source.type, brand, watch, pass_error(report))
    return report


def _note_backlog(store: Store, report: CollectReport, label: str, cursor_key: str, brand: str, extractor: Extractor,
                  use_cursor: bool) -> None:
    """Put in `report.backlog` what the pass's saved cursor still owes (`extractors.state.owed_by`): a source
    that fell behind says so in the run's summary, not only in a log line."""
    if not use_cursor:
        return
    try:
        report.note_backlog(label, owed_by(CursorState(store).get(cursor_key, brand), extractor.owed_time))
    except Exception as exc:  # noqa: BLE001 - the summary describes the pass; it must not fail it
        log.warning("%s: could not read what its cursor still owes: %s", label, exc)


def own_posts_key(source_key: str) -> str:
    """The cursor key of a source's own-account collection (its cursor is apart from the search's)."""
    return f"{source_key}#own"


def _run_source(
    config: Config,
    store: Store,
    report: CollectReport,
    seen: dict[str, str],
    label: str,
    cursor_key: str,
    brand: str,
    batches: Callable[[str | None], Iterator[Batch]],
    progress: bool,
    use_cursor: bool,
    among: Sequence[BrandConfig] | None = None,
) -> None:
    """Store every batch of one extraction; advance its cursor after storing; record a failure in `report`.
    `among`: the brands its posts are attributed among (the source's `brands`; None: every configured brand)."""
    cursors = CursorState(store)
    cursor = cursors.get(cursor_key, brand) if use_cursor else None
    bar = progress_bar(progress, f"collect {label}")
    try:
        for batch in batches(cursor):
            stored_ok = _store_batch(config, store, batch, report, seen, among)
            bar.update(len(batch.mentions))
            if not stored_ok:
                # Stop here: the cursor stays before this batch, so the next run fetches it again.
                log.warning("%s: stopping, %d mention(s) failed to store", label, report.failed_writes)
                break
            # The cursor moves only when everything this batch covers is safely stored (or, for a mention that
            # failed again after an earlier run parked it, safely parked: `_store_batch`).
            if use_cursor and batch.cursor is not None and not _save_cursor(cursors, cursor_key, brand, batch, label,
                                                                            report):
                break
    except SourceError as exc:
        report.errors[label] = str(exc)
        if isinstance(exc, RateLimited):
            report.rate_limited[label] = exc.until
        log.error("%s: %s", label, exc)
    except Exception as exc:  # noqa: BLE001 - one broken source must not stop the others
        report.errors[label] = f"{type(exc).__name__}: {exc}"
        log.exception("%s failed", label)
    finally:
        bar.close()


def _save_cursor(cursors: CursorState, cursor_key: str, brand: str, batch: Batch, label: str,
                 report: CollectReport) -> bool:
    """Save a stored batch's cursor; False (the store's error in `report.cursor_errors`) when the store refuses it.

    A store failure, never the source's: the batch is stored and the cursor stays before it, so the next run fetches
    it again (stable ids: nothing is stored twice). A store that went away fails its next call too, which `run`
    reports as `StoreLost`."""
    try:
        cursors.set(cursor_key, brand, batch.cursor)
    except Exception as exc:  # noqa: BLE001 - any refusal of the state write is the store's, whatever the backend
        report.cursor_errors[label] = reason_of(exc)
        log.error("%s: the store did not save the cursor after storing %d mention(s) (%s); stopping this source: "
                  "the next run fetches the batch again", label, len(batch.mentions), report.cursor_errors[label])
        return False
    return True


def _drop_forgotten(store: Store, mentions: list[Mention], report: CollectReport) -> list[Mention]:
    """`mentions` without those the block list names (`groundswell.subject_block`), which are counted as skipped
    and listed in `skipped_reasons` as "forgotten": dropped for good, never parked, the cursor moves past them."""
    blocks = BlockList(store)
    if not blocks:
        return mentions
    kept, blocked = blocks.split(mentions)
    report.forgotten += len(blocked)
    report.skipped += len(blocked)
    reasons = [forgotten_reason(m) for m in blocked]
    report.note_skipped(reasons)
    if blocked:
        log.info("%d post(s) the block list names not stored (groundswell subject forget)", len(blocked))
    return kept


def _resume_erasures(config: Config, store: Store) -> None:
    """Finish the erasures an interrupted run left pending (`groundswell.subject_forget.resume_pending`), logged."""
    for done in resume_pending(store, places_of(config)):
        log.info("finished an interrupted erasure (%s): %d item(s) removed", done.subject, done.removed)
        for line in [*done.errors, *done.unreadable]:
            log.warning("interrupted erasure: %s", line)


def _delete_upstream(config: Config, store: Store, report: CollectReport) -> None:
    """Tombstones: the stored copies of posts the platform deleted go, with their derived state and quotes, through
    the one erasure path (`groundswell.subject_forget.forget`), without a block-list entry (a deleted post simply
    is not stored; the next `groundswell maintain` compacts the store). Once per pass, for all its tombstones:
    an erasure reads the whole state and every output file, so once per batch was a full scan per batch."""
    gone = sorted(report._upstream_gone)
    report._upstream_gone.clear()
    stored = [m.id for chunk in batched(gone, 500) for m in store.get(chunk)]
    if not stored:
        return
    erased = forget(store, Subject(ids=frozenset(stored)), places_of(config), block=False, compact=False)
    report.deleted_upstream += erased.mentions
    log.info("%d stored post(s) deleted on the platform removed from the store (first %s)", erased.mentions,
             stored[0])
    for line in [*erased.errors, *erased.unreadable]:
        log.warning("platform deletion: %s", line)


def stamped(mentions: list[Mention]) -> list[Mention]:
    """`mentions` with `collected_at` set to now, the moment they are written: what an incremental load's
    `collected_since` reads (docs/dashboard.md, "Loading a warehouse"). The selector's clock is the run's start, so
    a run (or a parked post's replay) storing later would carry a stamp older than posts another task stored
    meanwhile, and a load bounded by their newest stamp would skip it for good."""
    now = datetime.now(UTC)
    return [m.model_copy(update={"collected_at": now}) for m in mentions]


def _store_batch(config: Config, store: Store, batch: Batch, report: CollectReport, seen: dict[str, str],
                 among: Sequence[BrandConfig] | None = None) -> bool:
    """Store one batch; False (and the failures parked in the dead-letter file) when a write failed, True when
    every write landed, or every failure is a mention an earlier run parked that failed again."""
    gone = [m for m in batch.mentions if is_tombstone(m)]  # deleted on the platform: never stored
    mentions = [m for m in batch.mentions if not is_tombstone(m)]
    report.count_collected(m.id for m in mentions)
    report.skipped += len(batch.skipped)
    for reason in batch.skipped:
        log.warning("skipped: %s", reason)
    report.note_skipped(batch.skipped)
    report._upstream_gone.update(m.id for m in gone)  # erased at the end of the pass (`_delete_upstream`)
    mentions = _drop_forgotten(store, mentions, report)
    index = CopyIndex(store)
    # Older than the retention cutoff: `maintain` deleted (or would delete) it; storing it again would undo that.
    # Dropped for good, not failed: the cursor moves past it and it is never parked.
    kept, old = split_retained(_last_per_id(mentions, seen, report), _collection_cutoff(config, store))
    report.older_than_retention += len(old)
    if old:
        log.info("%d post(s) older than the retention cutoff not stored (first %s)", len(old), old[0].id)
    # Every brand the post names, beside the one whose search found it (groundswell/brands.py), of `among`: a source
    # restricted to some brands (`sources[].brands`) never files its posts under another client's brand.
    lang_of = collection_lang_of(config)  # a `lang:` of another brand reads what enrich will detect
    pending = stamped([attribute(m, among or config.brands, lang_of) for m in kept])
    failed: list[Mention] = []
    errors: list[str] = []
    stored_ids: set[str] = set()
    broke = False
    try:
        unwidened = _store_rounds(store, index, pending, report, failed, errors, stored_ids)
    except Exception as exc:  # noqa: BLE001 - the store failed outside the writes (copy lookups, shares)
        # A store failure, never the source's: what is not known stored is parked as a refused write would be,
        # and the cursor stays put (False below), so nothing is lost whichever call failed.
        error = f"{type(exc).__name__}: {exc}"
        log.error("storing a batch failed: %s", error[:300])
        parked = {m.id for m in failed}
        lost = [m for m in pending if m.id not in stored_ids and m.id not in parked]
        report.failed_writes += len(lost)
        failed += lost
        errors += [error] * len(lost)
        unwidened, broke = [], True
    if unwidened:  # the copies' brands are not on their originals yet: hold the cursor, the next run retries
        report.failed_writes += len(unwidened)
        log.error("could not add %d copy's brand(s) to the stored original: %s", len(unwidened), unwidened[0])
    if not failed:
        return not (unwidened or broke)
    report.store_fault = report.store_fault or store_fault_line(errors)  # a full disk is said so, exit 6 (cli)
    # Parked, never swallowed: the next run replays the dead-letter file before collecting.
    letters = dead_letter(config)
    try:
        parked_before = letters.parked_ids()
        letters.park(failed, reason=errors[0])
    except Exception as exc:  # noqa: BLE001 - the cursor stays put, so the next run fetches them again
        log.error("could not park %d mention(s) in the dead-letter file: %s", len(failed), exc)
        report.park_error = report.park_error or f"{letters.path}: {reason_of(exc)}"
        return False
    # A first failure holds the cursor (an outage: the next run fetches the batch again). A mention an earlier
    # run parked that fails again while the store takes other writes is bad data, not an outage: it stays
    # parked, in a file that has outlived a run, and its source goes on past it instead of stopping at it on
    # every run from now on.
    store_is_up = report.stored > 0 or report.replayed > 0
    if store_is_up and all(m.id in parked_before for m in failed):
        report.failed_again += len(failed)
        log.warning("%d mention(s) failed again after an earlier run parked them (first %s: %s); they stay "
                    "parked and collection goes on past them", len(failed), failed[0].id, errors[0][:200])
        return True
    return False


def _store_rounds(store: Store, index: CopyIndex, pending: list[Mention], report: CollectReport,
                  failed: list[Mention], errors: list[str], stored_ids: set[str]) -> list[str]:
    """The copy rounds of `_store_batch`: originals written (their ids into `stored_ids`), copies dropped onto
    them; returns why copies could not be dropped yet. Raises what the store raises outside the writes."""
    unwidened: list[str] = []
    for _ in range(COPY_ROUNDS):
        originals, copies = index.split(pending)
        stored = _store_originals(store, originals, report, failed, errors)
        stored_ids.update(m.id for m in stored)
        index.remember(stored)
        # A copy of a post of this batch that failed to store goes to the dead-letter file with it: stored alone as
        # an original, it would be the story's second post once the replay stores the first.
        not_stored = {m.id for m in failed}
        for copy, owner_id in copies:
            if owner_id in not_stored:
                failed.append(copy)
                errors.append(f"{copy.id}: a copy of {owner_id}, which failed to store")
        copies = [(copy, owner_id) for copy, owner_id in copies if owner_id not in not_stored]
        # A copy whose original retention deleted after `split` read the index is no copy: it goes round again
        # (its keys are free now) and is stored, never dropped.
        more, pending = index.widen_owners(copies)
        unwidened += more
        report.duplicates += len(copies) - len(pending)
        # Dropped for good (their originals are stored): each repost among them is a share the viral detector counts.
        orphans = {m.id for m in pending}
        report.reposts_recorded += record_reposts(store, [(c, o) for c, o in copies if c.id not in orphans])
        if not pending:
            break
    else:  # originals deleted under it round after round: hold the cursor, the next run fetches them again
        unwidened += [f"{m.id}: the post it copies is no longer stored" for m in pending]
    return unwidened


def _store_originals(store: Store, originals: list[Mention], report: CollectReport, failed: list[Mention],
                     errors: list[str]) -> list[Mention]:
    """Upsert a batch's originals and count them; the ones that failed go to `failed` (their errors to `errors`).
    Returns the stored ones."""
    by_id = {m.id: m for m in originals}
    stored: list[Mention] = []
    try:
        results = list(store.upsert(originals))
    except Exception as exc:  # noqa: BLE001 - a store that raises instead of reporting: park the whole batch
        results = [WriteResult(m.id, ok=False, error=f"{type(exc).__name__}: {exc}") for m in originals]
    for result in results:
        if result.ok:
            report.count_stored([result.id])
            report.created += int(result.created)
            stored.append(by_id[result.id])
        else:
            report.failed_writes += 1
            failed.append(by_id[result.id])
            errors.append(result.error or "unknown error")
    return stored


def _last_per_id(mentions: list[Mention], seen: dict[str, str], report: CollectReport) -> list[Mention]:
    """One mention per id (the last version wins, as in the store); repeats counted, conflicting ids listed."""
    latest: dict[str, Mention] = {}
    for mention in mentions:
        fingerprint = mention.text
        before = seen.get(mention.id)
        if before is not None:
            report.duplicates += 1
            if before != fingerprint and mention.id not in report.conflicting_ids:
                log.warning("%s: same id again with different text; keeping the later version", mention.id)
                if len(report.conflicting_ids) < REASONS_KEPT:
                    report.conflicting_ids.append(mention.id)
        seen[mention.id] = fingerprint
        latest[mention.id] = mention
    return list(latest.values())


# -- store migration ---------------------------------------------------------------------------
def migrate_brands(config: Config, store: Store, progress: bool = False) -> MigrateReport:
    """Bring a store written before multi-brand mentions up to date without re-collecting: opening it
    already moved each mention's one `brand` to `brands`; this re-matches every configured brand's
    query against the stored text and adds the brands a mention names but was not stored under."""
    total = store.count() if progress else None
    bar = progress_bar(progress, "migrate brands", total=total)
    try:
        return reattribute(store, config.brands, bar, lang_of=collection_lang_of(config))
    finally:
        bar.close()


# -- enrich ------------------------------------------------------------------------------------
def enrich(
    config: Config,
    store: Store,
    *,
    limit: int | None = None,
    progress: bool = False,
    enricher: Any = None,
    embeddings: SentenceEmbeddings | None = None,
) -> EnrichReport:
    """Tag un-enriched mentions with language and sentiment in batches and write them back.

    `embeddings`: keeps the sentence embeddings sentiment computes, for `update_themes` in the same process."""
    # One enricher per store at a time: an overlapping run (a cron `run` that overran, a person's `enrich` beside the
    # DAG) would read the same oldest-first backlog and tag every post twice. Taken before the model loads.
    owner = run_owner()
    if not store.claim(ENRICH_CLAIM, owner, datetime.now(UTC) + ENRICH_CLAIM_TTL):
        holder = claim_owner(store.get_state(ENRICH_CLAIM) or "") or "another process"
        log.warning("enrich: skipped, %s is enriching this store (claim %s)", holder, ENRICH_CLAIM)
        return EnrichReport(busy=holder)
    try:
        return _enrich_claimed(config, store, owner, limit, progress, enricher, embeddings)
    finally:
        store.release(ENRICH_CLAIM, owner)


def _enrich_claimed(config: Config, store: Store, owner: str, limit: int | None, progress: bool, enricher: Any,
                    embeddings: SentenceEmbeddings | None) -> EnrichReport:
    """`enrich` while holding the store's enrich claim, renewed before each batch."""
    if enricher is None:
        enricher = Enricher(config.nlp, embeddings, text=config.model_text())
    report = EnrichReport()
    rules = SentimentRules(config.sentiment_rules)
    batch_size = config.nlp.batch_size * 8
    # What this pass tags stays pending for the spam step until it has looked (a kill in between loses nothing).
    pending = PendingRange(store)
    bar = progress_bar(progress, "enrich", total=_unenriched_count(store, limit) if progress else None)
    try:
        while limit is None or report.enriched < limit:
            want = batch_size if limit is None else min(batch_size, limit - report.enriched)
            if not store.claim(ENRICH_CLAIM, owner, datetime.now(UTC) + ENRICH_CLAIM_TTL):
                # A batch outlasted the claim and another run took it over: it goes on from here, not both.
                log.warning("enrich: stopped, another process took over the enrich claim")
                break
            todo = store.unenriched(want)
            if not todo:
                break
            done = enrich_in_pieces(enricher, todo, config.nlp.batch_size, bar, rules)
            pending.widen([m.created_at for m in done])
            results = list(store.upsert(done, fields=ENRICHED))
            failed = [r for r in results if not r.ok]
            if failed:
                raise RuntimeError(f"could not store enriched mentions: {failed[0].error}")
            # Deleted since they were read (retention overlapping this run): not stored again, not counted.
            gone = {r.id for r in results if is_no_longer_stored(r)}
            report.no_longer_stored += len(gone)
            report.enriched += len(done) - len(gone)
            for mention in (m for m in done if m.id not in gone):
                report.first = min(report.first or mention.created_at, mention.created_at)
                report.last = max(report.last or mention.created_at, mention.created_at)
                report.by_lang[mention.lang or "unknown"] = report.by_lang.get(mention.lang or "unknown", 0) + 1
                if mention.sentiment:
                    label = mention.sentiment.label
                    report.by_sentiment[label] = report.by_sentiment.get(label, 0) + 1
                    if mention.sentiment.by_rule:
                        rule = mention.sentiment.model
                        report.by_rule[rule] = report.by_rule.get(rule, 0) + 1
                    else:
                        report.model = mention.sentiment.model
    finally:
        bar.close()
    report.other_models = labels_of_other_models(store, enricher.model.identity)
    return report


def labels_of_other_models(store: Store, identity: str) -> dict[str, int]:
    """Stored labels (spam included) that a model build other than `identity` gave, counted by build (labels
    people set are no build: `core.mention.model_builds`)."""
    builds = model_builds(store.facet(Filters(include_spam=True), "model"))
    return {model: n for model, n in builds.items() if model != identity}


def other_models_note(other_models: dict[str, int]) -> str | None:
    """One line for a person when older labels are mixed with the configured model's; None when none are."""
    if not other_models:
        return None
    builds = ", ".join(f"{n:,} by {model}" for model, n in other_models.items())
    return (f"{sum(other_models.values()):,} stored mention(s) carry labels another sentiment model gave ({builds}); "
            "trends mix them with the configured model's until `groundswell store re-enrich` tags them again")


def enrich_in_pieces(enricher: Enricher, todo: list[Mention], piece_size: int, bar: Any,
                     rules: SentimentRules | None = None) -> list[Mention]:
    """`todo` enriched in model-sized pieces, so the bar moves every few seconds (the enrich step and
    `groundswell store re-enrich`); then the config's sentiment `rules` replace the model's label where they
    match (groundswell/sentiment_rules.py). Sorted by length first, so each piece pads as little as the
    model's own length buckets over the whole batch would, then by the text as the model reads it,
    so copies (retweets of one post by different handles) share a piece and the model reads them
    once (SentimentModel.predict). Each model text is built once (`Enricher.text`)."""
    texts = [enricher.text(m) for m in todo]
    keys = [normalize(t) for t in texts]
    order = sorted(range(len(todo)), key=lambda i: (len(keys[i]), keys[i]))
    done: list[Mention] = []
    for start in range(0, len(order), piece_size):
        piece = order[start : start + piece_size]
        done.extend(enricher.enrich([todo[i] for i in piece], [texts[i] for i in piece]))
        bar.update(len(piece))
    return rules.apply(done) if rules else done


def flag_new_spam(store: Store, enriched: EnrichReport, config: Config) -> SpamReport:
    """The spam step after `enrich` (run_once, `groundswell enrich`, the enrich DAG): flag spam among what
    was just tagged and the stored history around it (`groundswell.spam.flag_spam`), before anything counts,
    and what an earlier pass tagged but never examined (killed before its spam step: `groundswell.spam_pending`).
    The brands' own accounts are never flagged."""
    pending = read_pending(store)
    ranges = list(pending.ranges)
    if enriched.first is not None and enriched.last is not None:
        ranges.append((enriched.first, enriched.last))
    report = SpamReport()
    own = own_accounts(config)
    # Ranges whose look-around windows would overlap are read once.
    for since, until in merged(ranges, 2 * LOOKBACK):
        report = report.add(flag_spam(store, since, until, own=own))
    settle(store, pending)  # only after the flags are written: a kill before this examines them again
    return report


def _unenriched_count(store: Store, limit: int | None) -> int:
    """How many mentions enrich will tag: those without sentiment (the stores' facet calls them 'unknown')."""
    count = store.facet(Filters(), "sentiment").get("unknown", 0)
    return count if limit is None else min(count, limit)


def update_themes(
    config: Config,
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: bool = False,
    embeddings: SentenceEmbeddings | None = None,
    full: bool = False,
) -> dict:
    """Theme each brand's enriched mentions in the window; write theme labels onto them.

    Incremental by default: new posts join the brand's stored themes; a full clustering of the
    window when `full`, when a brand has no themes yet or when new posts drift away from them
    (groundswell/themes_step.py). `embeddings`: what `enrich` kept in this process; posts not
    among them are encoded here. Returns brand -> [{"label", "count"}], biggest first.
    """
    return {p.brand: p.themes for p in themes_pass(config, store, since=since, until=until, progress=progress,
                                                    embeddings=embeddings, full=full)}


def themes_pass(
    config: Config,
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: bool = False,
    embeddings: SentenceEmbeddings | None = None,
    full: bool = False,
) -> list[themes_step.BrandPass]:
    """`update_themes`, reporting what each brand's pass did (full or incremental, and why)."""
    if not config.nlp.themes:
        return []
    embeddings = embeddings if embeddings is not None else SentenceEmbeddings(backend=config.nlp.backend)
    bar = progress_bar(progress, "themes", total=len(config.brands), unit="brand")
    try:
        return themes_step.update(
            store, config.brands, config.model_text(), embeddings, filters=Filters(since=since, until=until),
            full=full, progress=progress, tick=bar.update,
        )
    finally:
        bar.close()


# -- alerts ------------------------------------------------------------------------------------
class DetectedAlerts(list[Alert]):
    """The alerts of a detection pass, plus `failed`: brand -> why its detection failed,
    `notes`: brand -> why it could raise nothing (`stale_note`; not an error), and `index_errors`:
    what the store's alert index did not take (`index_alerts`; the alerts are in the log all the same).

    A list, so every caller that iterates alerts keeps working; callers that report on the
    run (run summary, CLI exit status) also read `failed` and `notes`."""

    def __init__(
        self,
        alerts: list[Alert] | None = None,
        failed: dict[str, str] | None = None,
        notes: dict[str, str] | None = None,
    ):
        super().__init__(alerts or [])
        self.failed: dict[str, str] = failed or {}
        self.notes: dict[str, str] = notes or {}
        self.index_errors: list[str] = []
        self.index_failed = 0  # alerts the index did not take (index_errors keeps the first REASONS_KEPT lines)


def stale_note(store: Store, brand: str, config: Config, now: datetime) -> str | None:
    """Why a run at `now` judged nothing for `brand`: its newest mention is older than the alert
    window (an imported past stream judged against today, or a collector that stopped); None else.
    """
    newest = newest_mention(store, brand)
    start, why = alert_window(brand_rules(config, brand), now)
    if newest is None or newest >= start:
        return None
    return (
        f"newest mention {newest:%Y-%m-%d %H:%M} UTC is older than the alert window (since "
        f"{start:%Y-%m-%d %H:%M} UTC: {why}); nothing recent to judge: for an imported past stream "
        "use --history to judge the data's own timeline"
    )


def detect(config: Config, store: Store, *, now: datetime | None = None, advance: bool = True,
           labels_missing: str | None = None) -> DetectedAlerts:
    """Run the crisis detectors for every brand up to `now`; store and return the alerts (not yet sent).

    One brand's failure never stops the others: it is logged with its traceback, named in
    `failed` and the pass goes on (its alerts, if any, come on a later run once fixed).

    With `now` (a scheduled run), each brand's alerts are those decided since its last run that stored them
    (`alerts.catchup`: runs missed in between lose nothing), or its recent buckets' on its first; the moment is
    recorded per brand once the alerts are stored (not with `advance=False`: `run` after enrich failed, so the next
    run judges the same buckets again once they are labelled; alert ids are stable, nothing is sent twice).

    Whenever a rule reads sentiment, in a brand whose judged posts include ones enrich has not labelled yet (ingest
    and enrich are separate steps: the Airflow DAGs, `detect` on its own, `run` whose enrich failed; `labels_missing`
    says why, default "not enriched yet"), the rules that read it decide nothing from the first such post's bucket on
    (`alerts.unlabelled.awaiting_labels`, `alerts.detect.detections`), `notes` says so, and the brand's catch-up mark
    moves only up to that bucket, so the next detection after enrich judges those hours; the rules that do not
    (volume, silence, keywords of any sentiment) run as ever. Unreadable posts and posts stored over a day ago
    (`alerts.unlabelled.STUCK_AFTER`) are not waited for: a note counts them."""
    if not any(rules_for(config.alerts, brand).enabled for brand in config.brands):
        return DetectedAlerts()
    now = plain_utc(now)
    found = DetectedAlerts()
    # A brand rename left pending is finished first (every detection, not only collect's); a brand one still holds
    # (another run is finishing it) is not judged, and its mark not moved: the next run catches it up.
    found.failed.update(settle_renames(config, store))
    marks = DetectedUpTo(store)
    done: dict[str, datetime | None] = {}  # the brands judged -> where their posts wait for labels (None: nowhere)
    for brand in config.brands:
        rules = rules_for(config.alerts, brand)  # the global rules with the brand's own over them
        if brand.name in found.failed or not rules.enabled:  # a brand whose alerts are off: its mark stays
            continue
        try:
            caught_up = marks.get(brand.name) if now is not None else None
            reads_labels = bool(sentiment_rules(rules))
            waiting = awaiting_labels(store, brand.name, rules, now) if reads_labels else Unlabelled()
            unlabelled = waiting.first
            alerts = detect_alerts(store, brand, rules, now=now, dashboard_url=config.dashboard_url,
                                   collected_sources=collected_sources(config, brand.name), caught_up=caught_up,
                                   openers=True, configured=[b.name for b in config.brands],
                                   unlabelled_from=unlabelled,
                                   collected_since=marks.collected_since(brand.name) if now is not None else None)
            notes = [held_note(config, unlabelled, labels_missing, brand.name)] if unlabelled is not None else []
            if waiting.stuck:
                notes.append(stuck_note(waiting.stuck))
            if now is not None and (note := stale_note(store, brand.name, config, now)):
                notes.append(note)
            if notes := [n for n in notes if n]:
                found.notes[brand.name] = "; ".join(notes)
        except Exception as exc:  # one brand's bad data or a detector bug must not blind the others
            log.exception("alert detection failed for brand %r; other brands go on", brand.name)
            found.failed[brand.name] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        found.extend(alerts)
        done[brand.name] = unlabelled
    # Stored by stable id: re-running detection overwrites, never duplicates.
    save_alerts(store, found)
    # After the alerts are stored (the cursor rule): a run that failed to store them is redone.
    if now is not None and advance:
        for name, unlabelled in done.items():  # never past posts still waiting for labels: judged again once labelled
            marks.advance(name, now if unlabelled is None else min(now, unlabelled))
    found.index_failed, found.index_errors = index_alerts(store, found)
    return found


def held_note(config: Config, unlabelled: datetime, why: str | None, brand: str | None = None) -> str | None:
    """What `detect` held back for `brand` (None: under the global rules), whose posts from `unlabelled` on have no
    sentiment label (`why`: default "not enriched yet"); None if none of its enabled rules reads labels."""
    held = sentiment_rules(brand_rules(config, brand) if brand is not None else config.alerts)
    if not held:
        return None
    return (f"sentiment labels missing from {unlabelled:%Y-%m-%d %H:%M} UTC on ({why or 'not enriched yet'}): the "
            f"{', '.join(held)} rule(s) read them and wait for the next detection after enrich")


def stuck_note(count: int) -> str:
    """What `detect` says of `count` unlabelled posts it does not wait for (`alerts.unlabelled.Unlabelled.stuck`)."""
    return (f"{count:,} post(s) without a sentiment label are not waited for (unreadable, or stored over "
            f"{STUCK_AFTER / timedelta(hours=1):g} h ago and still not enriched): the rules that read labels count "
            "them in totals, never as negative")


def brand_rules(config: Config, brand: str) -> AlertsConfig:
    """The alert rules of the configured brand named `brand` (`alerts.config.rules_for`); the global ones for a
    name the config lacks."""
    try:
        return rules_for(config.alerts, config.brand(brand))
    except KeyError:
        return config.alerts


def note_line(brand: str, note: str) -> str:
    """How a scheduler's log shows one of `DetectedAlerts.notes`: a stale brand (nothing recent to judge) or rules
    held back for labels; neither is a failure."""
    return f"detection note for {brand} (not a failure): {note}"


def index_alerts(store: Store, alerts: list[Alert]) -> tuple[int, list[str]]:
    """Copy alerts to the store's alert index, when it has one (Elasticsearch: `<prefix>-alerts`, for Kibana;
    `indexing/elasticsearch_alerts.py`), after the alert log holds them: this pass's alerts, and every logged
    alert the index lacks (alerts from before the index existed, a `groundswell store copy`, a write that
    failed on an earlier run). Return how many failed and what, one line each (the first `REASONS_KEPT`), each
    also logged: the log is the source of truth, so a failure here loses no alert, and the next run writes it.
    An index that could not be read or written at all counts this pass's alerts (at least 1) as failed."""
    write, listed = getattr(store, "index_alerts", None), getattr(store, "indexed_alert_ids", None)
    if write is None or listed is None:
        return 0, []
    try:
        indexed = listed()
        fresh = {a.id: a for a in alerts}
        backlog = [a for a in AlertLog(store).load() if a.id not in indexed and a.id not in fresh]
        failed = [r for r in write([*fresh.values(), *backlog], incident_key) if not r.ok]
    except Exception as exc:  # noqa: BLE001 - the alert index is a copy: the alerts themselves must go on to notify
        log.exception("the alert index was not written; the alerts are in the alert log, the next run tries again")
        return max(len(alerts), 1), [f"alert index: {type(exc).__name__}: {exc}"[:300]]
    for result in failed:
        log.error("alert %s was not written to the alert index (%s); it is in the alert log, the next run "
                  "tries again", result.id, result.error)
    errors = [f"alert {r.id}: {r.error}"[:300] for r in failed[:REASONS_KEPT]]
    if len(failed) > REASONS_KEPT:
        errors.append(f"... and {len(failed) - REASONS_KEPT} more")
    return len(failed), errors


def notify(config: Config, store: Store, alerts: list[Alert], now: datetime | None = None, *,
           send_old: bool = False) -> DeliveryReport:
    """Send alerts to every configured channel, never twice for the same alert id and channel; with them,
    the stored alerts of the last day a channel has not taken yet (`alerts.deliver.with_pending`: a
    channel that was down gets what it missed). `now` is the run's clock (default: the wall clock; never before what
    the store's detection judged already, so a re-run of an older interval sends nothing old): alerts decided over a
    day before it are stored, not sent (`alerts.deliver.offered_since`), unless `send_old` (the demo, whose synthetic
    fortnight is past and whose channels are the console and a local file); no stored alert decided after `now` is
    sent (`with_pending`)."""
    if not config.channels:
        return deliver(alerts, config.channels, store, tz=config.digest.timezone)
    stored = stored_alerts(store)
    tz = config.digest.timezone
    offered = with_pending(alerts, stored, config.channels, store, now or datetime.now(UTC), tz)
    # People's verdicts hold back what they made needless (alerts.verdict_filter); competitors' alerts say so.
    judged = delivery_verdicts(store, [*stored, *alerts])
    competitors = {b.name for b in config.brands if b.competitor}
    report = deliver(offered, config.channels, store, since=None if send_old else offered_since(now, store),
                     tz=tz, verdicts=judged, now=now, competitors=competitors)
    record_deliveries(store, config.channels, report, offered)  # after the ledger: `groundswell health` reads it
    return report


def digest(
    config: Config, store: Store, day: date | None = None, now: datetime | None = None, send: bool = True
) -> dict:
    """The daily digest for `day` (default: yesterday in the digest's timezone, as of `now`), written beside
    the report and, with `digest.daily: send` and `send`, sent once per channel (`run_daily_digest`)."""
    day = day or digest_day(config.digest.timezone, now or datetime.now(UTC))
    return run_daily_digest(config, store, day, send=send)


def period_report(config: Config, store: Store, kind: PeriodKind, day: date | None = None, send: bool = True,
                  now: datetime | None = None) -> dict:
    """The weekly or monthly report (default: the last complete period as of `now`, default now), written and
    sent once per channel.

    Brands with own accounts get their median time to first reply in each period (`alerts.response`)."""
    return run_period_report(config, store, kind, day, send=send, response=_median_response(config, store), now=now)


def _median_response(config: Config, store: Store) -> Callable[[str, datetime, datetime], float | None]:
    """Median minutes to the first own reply for a brand's posts in [since, until); None without own accounts."""
    brands = {b.name: b for b in config.brands}

    def median(brand: str, since: datetime, until: datetime) -> float | None:
        own = OwnAccounts.of(brands[brand].own_accounts)
        if not own:
            return None
        goal = brands[brand].response_goal_minutes
        return response_report(store, brand, own, goal, since, until, keep=0).overall.median_minutes

    return median


# -- maintenance -------------------------------------------------------------------------------
def maintain(config: Config, store: Store, now: datetime | None = None, retention_days: int | None = None) -> dict:
    """Retention (delete mentions older than the configured days), then each state facade's own
    retention (`prune_state`), then the files holding copies of what went (`jsonl` alert files, digests, reports:
    `groundswell.retention_files`), then store housekeeping (`vacuum`: SQLite's VACUUM, Elasticsearch's merge of
    the segments holding deleted documents)."""
    now = now or datetime.now(UTC)
    days = _retention_days(config, retention_days)  # ValueError for an override out of bounds
    # The same cutoff collection applies (groundswell/retention.py): what is deleted here is never stored again.
    cutoff = retention_cutoff(days, now)
    deleted = store.delete_older_than(cutoff) if cutoff else 0
    if cutoff:
        mark_trimmed(store, cutoff)  # a brand's series starting here starts at retention, not at its first data
    pruned = prune_state(store, now, cutoff)
    # A store's alert index (Elasticsearch, for Kibana) drops what the alert log just dropped, by the same rule:
    # None where there is none. After the log: a failure (raised) leaves stale copies the next run deletes.
    prune_index = getattr(store, "prune_alert_index", None)
    index_pruned = None if prune_index is None else prune_index(cutoff) if cutoff else 0
    # After the log: a channel file keeps what the log keeps. Readers hide a file's older alerts anyway (mark_trimmed).
    files = prune_files(config, cutoff) if cutoff else {}
    # Spam flags of posts stored before this version examined them, a bounded slice (groundswell/upgrade_backfill.py);
    # intent tags need the sentiment model's encoder, which the run has loaded: the run tags those.
    backfill = {"spam": backfill_spam(config, store, now=now, limit=MAINTAIN_SPAM_POSTS)}
    vacuum = getattr(store, "vacuum", None)
    # Last: what the steps above deleted leaves the disk here (SQLite returns the file's size before and after,
    # Elasticsearch what it merged; a store without `vacuum` gives None).
    vacuumed = vacuum() if vacuum is not None else None
    return {"deleted": deleted, "retention_days": days, "state_pruned": pruned, "alert_index_pruned": index_pruned,
            **files, "upgrade_backfill": backfill, "vacuum": vacuumed}


def prune_state(store: Store, now: datetime, cutoff: datetime | None) -> dict[str, int]:
    """Each use of the state table drops its stale entries (each facade owns its rule).

    The alert log and the delivery ledger follow the mention retention (`cutoff`; kept for good
    without one); shares (reposts, `alerts.shares`) follow both: older than the cutoff, or of a post no longer
    stored, they go; the copy index, "not spam" overrides and sentiment corrections follow the mentions
    themselves; read budgets keep two months; people's verdicts on incidents (their notes and names) go with the
    incident, once the alert log no longer holds it.
    """
    pruned = {
        "copy_index": CopyIndex(store).prune(),
        "shares": Shares(store).prune(cutoff),
        # A crashed run's delivery claims, whatever the retention (a live run releases its own).
        "expired_claims": prune_claims(store, now),
        "alert_log": AlertLog(store).prune(cutoff) if cutoff else 0,
        "delivery_ledger": DeliveryLedger.prune(store, cutoff, now) if cutoff else 0,
        "read_budgets": ReadBudget.prune(store, now),
        "not_spam_overrides": prune_overrides(store),
        "sentiment_corrections": prune_corrections(store),
        "health": prune_health(store, now),  # records of sources and channels gone from the config
        "alert_mutes": prune_mutes(store, now),  # mutes that ended over a day ago (alerts.mute)
    }
    # After the alert log's prune: the incidents it still holds keep their verdicts.
    pruned["alert_verdicts"] = prune_verdicts(store, AlertLog(store).load(), cutoff) if cutoff else 0
    return pruned


# -- one pass ----------------------------------------------------------------------------------
def summarize(store: Store, filters: Filters | None = None, brands: Sequence[str] | None = None) -> dict[str, Any]:
    """Counts for the run summary: stored mentions by language, sentiment, source, brand. `brands`: the configured
    ones; the posts of a brand no longer configured (removed, or its old name after a rename) are left out unless
    they name one of them too, as in the report and the dashboard."""
    f = filters or Filters()
    if brands:
        f = f.replace(brands=tuple(brands))
    by_brand = store.facet(f, "brand")
    return {
        # Distinct stored posts of these brands (spam too); the splits below leave spam out.
        "stored": store.count(f.replace(include_spam=True)),
        "by_language": store.facet(f, "lang"),
        "by_sentiment": store.facet(f, "sentiment"),
        "by_source": store.facet(f, "source"),
        # Once per brand a post names: a post of Apple and Samsung counts under each.
        "by_brand": {b: n for b, n in by_brand.items() if not brands or b in brands},
    }


def top_advocates(config: Config, store: Store, n: int = 3) -> dict[str, list[str]]:
    """Each brand's top advocates over the stored history, as "handle (mentions)" (`groundswell.advocates`)."""
    own = own_accounts(config)
    return {
        b.name: [f"{a.handle} ({a.mentions})" for a in advocates(store, b.name, n=n, own=own)] for b in config.brands
    }


def response_summary(config: Config, store: Store, now: datetime | None = None) -> dict[str, dict]:
    """Each brand with own accounts: answered share, median/p90 minutes to the first own reply and how
    many negative posts wait past the goal, over the 7 days before `now` (default: just after the brand's
    newest mention, for imported history) (`alerts.response`)."""
    out: dict[str, dict] = {}
    for brand in config.brands:
        own = OwnAccounts.of(brand.own_accounts)
        newest = newest_mention(store, brand.name)
        if not own or newest is None:
            continue
        until = now or newest + timedelta(seconds=1)
        since = until - timedelta(days=7)
        report = response_report(store, brand.name, own, brand.response_goal_minutes, since, until, now=until, keep=0)
        overall = report.overall
        out[brand.name] = {
            "posts": overall.posts,
            "answered": overall.answered,
            "answered_share": None if overall.share is None else round(overall.share, 3),
            "median_minutes": overall.median_minutes,
            "p90_minutes": overall.p90_minutes,
            "goal_minutes": brand.response_goal_minutes,
            "needs_reply": report.needs_reply_total,
            "days": 7,
        }
    return out


def run_once(
    config: Config,
    *,
    progress: bool = False,
    write_report: bool = True,
    store: Store | None = None,
    now: datetime | None = None,
    send: bool = True,
    send_old: bool = False,
) -> dict:
    """collect → enrich → themes → detect → notify → report. Returns the run summary.

    `now` bounds detection to recent buckets (scheduled runs); None examines the
    whole stored history (the demo, a first import of historical exports). Either way only alerts
    decided within a day of the run's clock are sent (`notify`; `send_old`: all, for the demo);
    `send=False` stores the alerts and sends nothing.
    """
    own_store = store is None
    store = store or open_store(config)
    # The step running and what the finished ones did: the summary so far if the store goes away mid-run.
    step, so_far = at_step("collect"), {"store": store.name}
    try:
        collected = collect(config, store, progress=progress)
        so_far.update(collected=collected.collected, new=collected.created, failed_writes=collected.failed_writes,
                      deadletter=collected.deadletter, sources_attempted=collected.attempted,
                      source_errors=collected.errors, cursor_errors=collected.cursor_errors,
                      replay_error=collected.replay_error, backlog=collected.backlog)
        # Sentiment hands the sentence embeddings it computes to themes: one encoder pass per new post.
        embeddings = SentenceEmbeddings(backend=config.nlp.backend)
        step = at_step("enrich")
        enriched, enrich_error = _isolated_enrich(config, store, progress, embeddings)
        so_far["enriched"] = enriched.enriched
        # Spam is flagged before anything counts: themes, alerts and the report then leave it out.
        step = at_step("spam")
        spam = flag_new_spam(store, enriched, config)
        # What an upgrade left undone (intent tags, spam flags of older posts), one bounded slice a run.
        step = at_step("upgrade backfill")
        fresh = store.count(Filters(include_spam=True)) <= collected.created  # every stored post came in now
        # Intent tags need the sentiment model's encoder: not after enrich could not load it.
        backfill = {} if enrich_error else catch_up(config, store, now=now, embeddings=embeddings, fresh=fresh)
        step = at_step("themes")
        themes = update_themes(config, store, progress=progress, embeddings=embeddings)
        step = at_step("detect")
        # Without new labels the catch-up marks stay put: the next run judges these buckets again, labelled.
        alerts = detect(config, store, now=now, advance=enrich_error is None,
                        labels_missing=enrich_error and "enrich failed")
        step = at_step("notify")
        count = count_alerts(alerts)
        with shielded():  # a signal waits until what a channel took is recorded (groundswell/interrupt.py)
            delivery = notify(config, store, alerts, now=now, send_old=send_old) if send else DeliveryReport()
        summary = {
            "collected": collected.collected,
            "new": collected.created,
            "skipped": collected.skipped,
            "duplicates": collected.duplicates,
            "reposts_recorded": collected.reposts_recorded,
            "conflicting_ids": collected.conflicting_ids,
            "failed_writes": collected.failed_writes,
            "replayed": collected.replayed,
            "older_than_retention": collected.older_than_retention,  # collected, not stored: retention deletes them
            "forgotten": collected.forgotten,  # named by the block list (groundswell subject forget): not stored
            "deleted_upstream": collected.deleted_upstream,  # deleted on the platform: removed from the store
            "deadletter": collected.deadletter,
            "sources_attempted": collected.attempted,
            "source_errors": collected.errors,
            "backlog": collected.backlog,  # what each source × brand still owes (`ingest` prints the same)
            # The store refused a cursor after storing its batch (a store failure, exit 5): fetched again next run.
            "cursor_errors": collected.cursor_errors,
            "replay_error": collected.replay_error,  # the store failed while replaying parked mentions
            "store_fault": collected.store_fault,  # a write failed on a full / read-only / failing disk (exit 6)
            "park_error": collected.park_error,  # failed writes that could not be parked either (cursor held)
            "enriched": enriched.enriched,
            # enrich failed (a model that cannot be loaded): the step, its error, how many stored posts detection
            # judged without a label (the rules that read one hold back from the first of them: `detect_notes`).
            **({"failed_step": "enrich", "enrich_error": enrich_error,
                "detected_without_labels": _unenriched_count(store, None)} if enrich_error else {}),
            # Another process was enriching this store (its enrich claim): this run tagged nothing, and says who.
            **({"enrich_busy": enriched.busy} if enriched.busy else {}),
            "sentiment_model": enriched.model,
            "labels_from_other_models": enriched.other_models,
            **summarize(store, brands=[b.name for b in config.brands]),
            "spam_flagged": spam.flagged,
            "own_posts_set_aside": spam.own_posts,  # the brands' own posts, out of the counts too (OWN_POST)
            "upgrade_backfill": backfill,  # groundswell/upgrade_backfill.py: {"intents": ..., "spam": ...}
            **{f"{k}_excluded": n for k, n in excluded(store).items()},  # spam_excluded, own_posts_excluded
            "top_advocates": top_advocates(config, store),
            "responses": response_summary(config, store, now),
            # Top-level themes, each with its aspects (alerts/theme_tree.py): a post counts once.
            "themes": {brand: summary_rows(items, 5) for brand, items in themes.items()},
            # alerts.incidents.count_alerts: the count the report header and the dashboard show too.
            "alerts_fired": count.alerts,
            "incidents": count.incidents,
            "alert_count": count.label(),
            "detect_errors": alerts.failed,
            "detect_notes": alerts.notes,
            # What the store's alert index (Elasticsearch, for Kibana) did not take; the alerts are stored.
            "alert_index_errors": alerts.index_errors,
            "alerts": [
                {
                    "brand": a.brand,
                    "kind": a.kind,
                    "severity": a.severity,
                    "start": a.window_start.isoformat(),
                    "end": a.window_end.isoformat(),
                    "incident": a.incident_id,
                }
                for a in alerts
            ],
            # Deliveries, not alerts: one alert sent to two channels is two deliveries.
            "alerts_sent": delivery.sent,
            "deliveries_per_channel": {name: ch.sent for name, ch in delivery.channels.items()},
            "alerts_already_sent": delivery.already_sent,
            "alerts_failed": delivery.failed,
            # Sent, but the ledger could not record it (a store failure): the next run may send it again.
            "alerts_sent_unrecorded": delivery.unrecorded,
            # Held by another live run at the time (an overlapping DAG or CLI run), which sends them.
            "alerts_in_flight": delivery.in_flight,
            "alert_updates_folded": delivery.folded,
            "alerts_routed_out": delivery.routed_out,  # not for a channel by its `route:` (not failures)
            # Held back: by a verdict on the incident (a false alarm, one taken on), or for a channel's quiet hours.
            "alerts_suppressed_by_verdict": delivery.suppressed_by_verdict,
            "alerts_held_quiet_hours": delivery.held_quiet,
            # Alerts (not deliveries) decided over a day before the run's clock: stored and shown, not sent.
            "alerts_too_old": delivery.too_old,
            "alerts_send": send,  # False: `run --no-send`, nothing was offered to the channels
            "report": None,
            "store": store.name,
        }
        step, so_far = at_step("report"), summary
        if write_report:
            # Last, once the summary is whole: the alerts are sent by now, so a report that cannot be written
            # must not lose what the run did. The caller prints the summary, then fails on `report_error`.
            try:
                summary["report"] = str(_write(config, store, stored_alerts(store)))
            except OSError as exc:
                summary["report_error"] = cannot_write(config.report.path, exc)
        return summary
    except Interrupted as exc:  # SIGTERM / SIGINT: the CLI prints what the finished steps did
        exc.summary = so_far
        raise
    except Exception as exc:
        if not is_unreachable(exc):
            raise
        if step == "collect":  # parked mentions wait whatever collection reached: the summary says how many
            so_far.setdefault("deadletter", _parked_count(config))
        raise StoreLost(step, store.name, reason_of(exc), so_far) from exc
    finally:
        if own_store:
            store.close()


def _isolated_enrich(config: Config, store: Store, progress: bool,
                     embeddings: SentenceEmbeddings) -> tuple[EnrichReport, str | None]:
    """`run`'s enrich step, isolated like detection's brands: a failure that is not the store's (a sentiment model
    that cannot be loaded) is logged and returned as one line, and the run goes on to detect on what is stored."""
    try:
        return enrich(config, store, progress=progress, embeddings=embeddings), None
    except Exception as exc:
        if is_unreachable(exc):  # the store's: `run_once` ends the run (StoreLost)
            raise
        error = f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:500]}"  # masked where shown
        log.error("enrich failed: %s; detection goes on without new sentiment labels", error)
        log.info("enrich failed", exc_info=True)  # the traceback with -v
        return EnrichReport(), error


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(enabled: bool, desc: str, total: int | None = None, unit: str = "mention") -> Any:
    """A bar on stderr with a total (so rate and ETA) for a long step; off with --no-progress.

    On a terminal it redraws at most twice a second. Elsewhere (a log file, CI) it stays quiet
    but for one line saying the step started, so a long silence still says what is running.
    """
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    if not sys.stderr.isatty():
        print(f"{desc}: {'' if total is None else f'{total} {unit}(s), '}started", file=sys.stderr, flush=True)
        return _NoBar()
    return tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr, mininterval=0.5)


def as_dict(report: Any) -> dict:
    return asdict(report)
