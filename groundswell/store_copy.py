"""Copy everything one store holds into another: `groundswell store copy --config OLD.yaml --to NEW.yaml`.

Teams that outgrow the embedded store point `store:` at Elasticsearch; this brings their history along
(and works the other way, or between two clusters or index prefixes: both sides are only `Store`s).
What moves: every mention, spam included, as stored (labels, themes, brands, intents, spam flags), and
every state entry (collection cursors and read budgets, the alert log and the sent-alert ledger, the
copy index, theme centroids, the shares the viral detector counts, the analysts' spam and sentiment
judgements), so the new store neither re-bills a source, nor sends an alert twice, nor redraws the themes,
nor loses a viral episode in progress or the brand's usual repost rate.

The rules, in the order the copy applies them:
- Mentions first, oldest first, in batches; each batch is read back from the target after its write
  and counted only if it is there. After a batch lands whole, the pass saves how far it got in the
  *target* (`groundswell.pass_mark`, under ``store_copy:``), so the same command run again after a crash
  continues there; a failed batch stops the mark, the rest is still tried, and the report names them.
- Then a closing check (`_catch_up`), before anything is called complete: the source is read again, and every
  mention the target holds neither by id nor as a copy of its own post (the copy rule below) is copied then
  (`caught_up`). The mark is a created_at and a scan reads oldest first, so a mention the source gained behind
  them (an import of older posts, a collection between a crash and the rerun) is found only there. The check
  reads the whole source once more and the target by id, and writes only what is missing.
- State last, and only when every mention landed: a cursor copied before the mentions it covers
  would make the new store skip them on the next collection (the cursor rule, extractors/state.py). The state
  copied is the source's as read before the closing check, so a collection into the source during the copy
  cannot hand over a cursor past mentions the check did not see.
- Not the install id (``install:id``, `alerts.install_id`): the target keeps its own, or makes one, so a staging
  copy never gives a receiver production's idempotency keys; the ledger is copied, so nothing is sent again.
- A key the target already holds is never overwritten (its own cursors or budget are newer: `state_kept`),
  except the alert log's index, which becomes the union of both (`state_merged`): every copied alert stays
  listed, so the report and the dashboard show it and retention prunes it.
- A source post whose story the target already holds from another source (the same canonical URL, or a
  repost of a post the target has: the copy rule of collection, groundswell/copies.py) is not written:
  its brands go to the target's post (`copies`), so the story counts once there too; a repost so dropped is
  recorded as a share of that post (`groundswell.shares`, `shares_recorded`), as collection records it; the
  source's shares of a post so dropped (a repost that stood in for an original the source never collected,
  `core.stories`) are re-pointed to the target's post when the state is copied (`_repointed`), so none names a
  post the target does not hold. A dry run counts them as they are.
- A post the block list names (`groundswell subject forget`: ``forgotten:`` entries of either store) is never
  written (`forgotten`), and the source's block list reaches the target before any mention does, a partial copy
  too: an erased person must not come back through a copy. Nor does their state: copy keys, shares,
  corrections and overrides of theirs are not copied (`forgotten_state`, `groundswell.subject_copy`).
- Writes are upserts by `Mention.id`, so a copy run twice, or into a target that has some of the same
  posts, duplicates nothing; what the target holds beside them stays.
- A partial copy (`since`: the mentions posted from then on; `brand`: one brand's mentions) copies mentions
  only, and the state entries that belong to one mention the target then holds (`MENTION_STATE`: its
  shares, the spam and sentiment judgements on it): the rest of the state (cursors, the alert log, theme
  centroids) describes the whole store, and a cursor copied for a part of its mentions would make the
  target skip the rest. Its resume mark is its own.
- A dry run writes nothing, and opens no store that opening would create or upgrade (`open_for_dry_run`,
  `groundswell.dry_run_store`): a target that does not exist yet (a SQLite file, an Elasticsearch prefix) is
  counted as the empty store it would be; a store in an older format is refused in one line (upgrade it with
  `groundswell maintain` first); Elasticsearch stores are opened read-only, without `setup`'s writes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from alerts.history import INDEX_KEY, merged_index
from alerts.install_id import INSTALL_KEY, install_id
from alerts.shares import PREFIX as SHARE_PREFIX
from alerts.shares import Share
from core.batches import batched
from core.mention import Mention
from core.time import as_utc
from groundswell import sentiment_corrections, spam
from groundswell.config import Config
from groundswell.copies import CopyIndex
from groundswell.dry_run_store import open_read_only
from groundswell.pass_mark import PassMark
from groundswell.pipeline import progress_bar
from groundswell.shares import record_reposts
from groundswell.store_lost import is_unreachable
from groundswell.subject_block import PENDING_PREFIX, BlockList
from groundswell.subject_block import PREFIX as FORGOTTEN_PREFIX
from groundswell.subject_copy import forgotten_entries
from indexing.base import Filters, Store, StoreUnavailable, stored_ids
from indexing.config import ElasticsearchStoreConfig, SqliteStoreConfig

log = logging.getLogger(__name__)
BATCH = 1000
MARK_PREFIX = "store_copy:"  # `core/state.py`: this pass's resume point, kept in the target
MAX_NAMED = 20  # failed mention ids named in the report (the count is always whole)
MAX_REASONS = 5  # distinct reasons for failed writes kept in the report (each with its count)
OTHER_REASONS = "other reasons (the log names each)"
MAX_LOGGED_REASONS = 50  # distinct reasons logged per copy (each once); further ones only counted
# What makes one cause read as many reasons: the month index it hit, the document it hit (`reason_group`).
_SPECIFIC = (
    (re.compile(r"[\w.+-]*-mentions-\d{4}\.\d{2}\b"), "<month index>"),
    (re.compile(r"\[\d+:\d+\] (?=failed to parse)"), ""),  # where in the document: differs per document
    (re.compile(r"(document with id|\bid) '[^']*'"), r"\1 '...'"),
    (re.compile(r"\[[^\]\s]+\]: version conflict"), "[...]: version conflict"),
    (re.compile(r"Preview of field's value: '.*?'(?=[.;]|$)"), "Preview of field's value: '...'"),
)
EVERYTHING = Filters(include_spam=True)
PARTIAL = ("a partial copy (--since, --brand) copies mentions only, and the state of those mentions (shares, spam "
           "and sentiment judgements): the rest of the state describes the whole store")
# State keyed `<prefix><mention id>`: it belongs to that mention, so a partial copy carries it with the mention.
MENTION_STATE = (spam.OVERRIDE_PREFIX, spam.UNDONE_PREFIX, sentiment_corrections.CORRECTION_PREFIX,
                 sentiment_corrections.UNDONE_PREFIX)


@dataclass
class StoreCopyReport:
    """What `copy_store` found and did; with `dry_run`, what it would do."""

    source: str  # "sqlite /abs/path.db" or "elasticsearch host:port/prefix" (never credentials)
    target: str
    dry_run: bool = False
    source_mentions: int = 0
    target_mentions_before: int = 0
    copied: int = 0  # mentions written and read back in this run (dry run: would be written)
    copies: int = 0  # not written: the target holds the same story from another source (its brands added)
    shares_recorded: int = 0  # of `copies`: reposts recorded as shares of the target's post (`groundswell.shares`)
    failed: int = 0  # not written, or not there when read back
    forgotten: int = 0  # not written: the block list names them (`groundswell subject forget`; a dry run counts none)
    forgotten_state: int = 0  # state entries not copied (or copied redacted): they name what the block list names
    failed_ids: list[str] = field(default_factory=list)  # the first MAX_NAMED of them
    # Why they failed: each distinct reason the target gave (a bulk item's error type and reason, a month index
    # that cannot be used, ...) with how many mentions it stopped; the first MAX_REASONS, the rest together.
    errors: dict[str, int] = field(default_factory=dict)
    unreadable: int = 0  # of `failed`: source posts this version cannot read (the log says why, by id)
    resumed_from: str | None = None  # where an earlier run of the same copy stopped (ISO time)
    copied_before: int = 0  # what that run had copied
    caught_up: int = 0  # of `copied`: found missing by the closing check (`_catch_up`: gained behind the pass)
    state_copied: int = 0  # state entries written (dry run: would be)
    state_same: int = 0  # already in the target with the same value
    state_kept: int = 0  # already in the target with another value: the target's kept
    state_merged: int = 0  # the alert log's index, in both: the union written
    state_skipped_reason: str | None = None  # why no state was copied
    target_mentions_after: int = 0
    complete: bool = False  # every mention landed and the state was copied (a partial copy: its mentions landed)

    def __post_init__(self) -> None:
        # Not a field (not in the report's JSON): the reasons logged so far, apart from `errors`' capped keys.
        self._logged_reasons: set[str] = set()


def describe(store: SqliteStoreConfig | ElasticsearchStoreConfig) -> str:
    """A store's identity for reports and for the resume mark: where it is, without credentials."""
    if isinstance(store, ElasticsearchStoreConfig):
        parts = urlsplit(store.resolved_url())
        host = parts.hostname or "?"
        port = parts.port or (443 if parts.scheme == "https" else 9200)
        return f"elasticsearch {host}:{port}/{store.index_prefix}"
    return f"sqlite {Path(store.path).resolve()}"


def check_not_same(source: SqliteStoreConfig | ElasticsearchStoreConfig,
                   target: SqliteStoreConfig | ElasticsearchStoreConfig) -> None:
    """Raises ValueError when both configs name one store: a copy onto itself would only rewrite it."""
    if describe(source) == describe(target):
        raise ValueError(f"the source and the target are the same store ({describe(source)}): nothing to copy")


def open_for_dry_run(source: Config, target: Config) -> tuple[Store, Store]:
    """The two stores `store copy --dry-run` reads, opened so that nothing is written (`groundswell.dry_run_store`):
    a target that does not exist yet is read as the empty store it would be. DryRunRefused (one line) when a store
    cannot be read without creating or upgrading it."""
    command = "store copy --dry-run"
    opened = open_read_only(source, command)
    try:
        return opened, open_read_only(target, command, missing_as_empty=True)
    except BaseException:
        opened.close()
        raise


def copy_store(
    source: Store,
    target: Store,
    *,
    source_name: str,
    target_name: str,
    dry_run: bool = False,
    progress: bool = False,
    batch: int = BATCH,
    since: datetime | None = None,
    brand: str | None = None,
) -> StoreCopyReport:
    """Copy every mention, then every state entry, of `source` into `target` (module docstring); with
    `since` or `brand`, only those mentions and the state that belongs to them (`MENTION_STATE`, shares).
    `source_name`/`target_name`: `describe` of each (the mark's scope and the report's words)."""
    report = StoreCopyReport(source=source_name, target=target_name, dry_run=dry_run)
    part = Filters(since=since, brand=brand, include_spam=True)
    report.source_mentions = source.count(part)
    report.target_mentions_before = target.count(EVERYTHING)
    partial = since is not None or brand is not None
    # A partial copy keeps its own mark: it must not resume a whole copy's pass, or the other way round.
    scope = {"source": source_name} | ({"since": since, "brand": brand} if partial else {})
    mark = PassMark(target, MARK_PREFIX, scope)
    saved = mark.saved()
    start = since
    if saved is not None:
        start, report.copied_before = saved
        report.resumed_from = start.isoformat()
    todo = part.replace(since=start)
    if partial:
        report.state_skipped_reason = PARTIAL
    if dry_run:
        report.copied = source.count(todo)
        if saved is not None:  # what the source gained behind the mark since that run stopped
            report.caught_up = _catch_up(source, target, part.replace(until=start), report, _blocks(source, target),
                                          batch=batch, write=False)
            report.copied += report.caught_up
        _copy_state(source, target, report, write=False, part=part if partial else None)
        report.target_mentions_after = report.target_mentions_before
        return report
    bar = progress_bar(progress, "copy", total=source.count(todo) if progress else None)
    skipped_before = source.unreadable.count
    blocks = _block_list(source, target)
    try:
        for chunk in batched(source.iter_mentions(todo), batch):
            # Before the write moves the mark past them: a source post this version cannot read was not copied.
            _note_unreadable(source, report, skipped_before)
            chunk, blocked = blocks.split(chunk)
            report.forgotten += len(blocked)
            if chunk:
                _write(target, chunk, report, mark, bar)
        _note_unreadable(source, report, skipped_before)
    finally:
        bar.close()
    whole_state = None
    if not report.failed:
        # Read before the closing check, never after: a cursor covers only mentions stored before it was saved
        # (extractors/state.py), so every mention these cursors cover is in the source now and the check sees it.
        whole_state = None if partial else source.state_items("")
        report.caught_up = _catch_up(source, target, part, report, blocks, batch=batch, write=True)
        _note_unreadable(source, report, skipped_before)
    if report.failed:
        report.state_skipped_reason = (
            f"{report.failed} mention(s) did not land: cursors must not reach the target before the mentions "
            "they cover. " + (f"Why (see errors): {first_error(report)}. Fix that, then run" if report.errors
                              else "Run") + " the same command again to continue."
        )
        if report.unreadable:
            report.state_skipped_reason += (
                f" {report.unreadable} of them cannot be read in the source by this version (the log names "
                "them and why): run the version that wrote them, or delete them there, first."
            )
    else:
        _copy_state(source, target, report, write=True, part=part if partial else None, entries=whole_state)
        mark.finish()
        report.complete = True
    report.target_mentions_after = target.count(EVERYTHING)
    return report


def _block_list(source: Store, target: Store) -> BlockList:
    """The block list of both stores, the source's written to the target first (entries it lacks)."""
    theirs = {k: v for k, v in source.state_items(FORGOTTEN_PREFIX).items() if not k.startswith(PENDING_PREFIX)}
    missing = {k: v for k, v in theirs.items() if k not in target.state_items(FORGOTTEN_PREFIX)}
    if missing:
        target.set_states(missing)
    return BlockList(target)


def _note_unreadable(source: Store, report: StoreCopyReport, before: int) -> None:
    """Count the source's posts its scan skipped as unreadable (`indexing.base.UnreadableDocs`) as failed: the
    copy is then incomplete, its mark stays put and no state is copied, and the report names them."""
    missed = source.unreadable.count - before - report.unreadable
    if missed <= 0:
        return
    report.unreadable += missed
    report.failed += missed
    named = [i for i in source.unreadable.named if i not in report.failed_ids]
    report.failed_ids += named[: max(0, MAX_NAMED - len(report.failed_ids))]


def _write(target: Store, mentions: list[Mention], report: StoreCopyReport, mark: PassMark | None, bar) -> None:
    """Upsert one batch (its copies of target posts aside), read it back, count what is there; move the mark
    (None: none to move, the closing check) only while nothing has failed."""
    index = CopyIndex(target)
    originals, copies = index.split(mentions)
    results = list(target.upsert(originals))
    written = [r.id for r in results if r.ok]
    _note_errors(report, [r.error or "refused, without a reason" for r in results if not r.ok])
    landed = {m.id for m in target.get(written)}
    # Written without error, yet not read back: the target's reads do not see where its writes went.
    _note_errors(report, [f"written without error, but not found when read back from {report.target} (its reads "
                          "do not see where the write went)" for i in written if i not in landed])
    index.remember([m for m in originals if m.id in landed])
    missing = [m.id for m in originals if m.id not in landed]
    if copies and index.give_owners_brands(copies):
        missing += [c.id for c, _ in copies]  # their brands did not reach the originals: the rerun tries again
    elif copies:
        report.copies += len(copies)
        # Only now that the originals have them: what collection records for a repost it drops (keyed by the
        # repost's id, so a rerun records nothing twice).
        report.shares_recorded += record_reposts(target, copies)
    report.copied += len(landed)
    report.failed += len(missing)
    report.failed_ids += missing[: max(0, MAX_NAMED - len(report.failed_ids))]
    if not report.failed and mark is not None:
        mark.save(mentions[-1].created_at, report.copied_before + report.copied)
    if bar is not None:
        bar.update(len(mentions))


def lost_mid_copy(exc: BaseException) -> bool:
    """Whether the error that ended a copy is a lost store (`is_unreachable`: a connection lost or timed out, a
    disk fault), which running the same command again gets past once the store is back. Both stores are open
    before the copy starts, so a `StoreUnavailable` raised during it is a cluster that answered and refused (a
    write block on the state index, an unavailable shard): the same command would fail the same way."""
    return not isinstance(exc, StoreUnavailable) and is_unreachable(exc)


def first_error(report: StoreCopyReport) -> str:
    """The reason that stopped the most mentions, with its count: what a one-line summary says. The catch-all
    OTHER_REASONS is never it (it names no cause) unless it is all there is."""
    named = {reason: count for reason, count in report.errors.items() if reason != OTHER_REASONS}
    reason, count = max((named or report.errors).items(), key=lambda item: item[1])
    return f"{reason} ({count} mention(s))"


def reason_group(reason: str) -> str:
    """`reason` with the month index and the document it names taken out: a write block on every month, or one
    bad field in many posts, is one cause, so one entry in `errors`."""
    for pattern, replacement in _SPECIFIC:
        reason = pattern.sub(replacement, reason)
    return reason


def _note_errors(report: StoreCopyReport, reasons: list[str]) -> None:
    """Count each failed write's reason (`reason_group`) in `report.errors`, and log each distinct reason once
    (up to MAX_LOGGED_REASONS): the copy's output must say why mentions did not land, not only that they did
    not, also for the reasons counted under OTHER_REASONS."""
    for reason in reasons:
        group = reason_group(reason)
        key = group if group in report.errors or len(report.errors) < MAX_REASONS else OTHER_REASONS
        if group not in report._logged_reasons and len(report._logged_reasons) < MAX_LOGGED_REASONS:
            report._logged_reasons.add(group)
            log.error("mentions did not land in %s: %s", report.target, reason)
            if len(report._logged_reasons) == MAX_LOGGED_REASONS:
                log.error("more reasons why mentions did not land in %s are counted, not logged", report.target)
        report.errors[key] = report.errors.get(key, 0) + 1


def _catch_up(source: Store, target: Store, part: Filters, report: StoreCopyReport, blocks: BlockList, *,
              batch: int, write: bool) -> int:
    """The closing check (module docstring): every mention of `part` in the source that the target holds neither
    by id nor as a copy of its own post (the copy rule), and that no block list names, is copied now (a dry run:
    counted). A resumed pass starts at a created_at mark and a scan reads oldest first, so a mention the source
    gained behind them (a late import, a collection between a crash and the rerun) is found only here. Returns how
    many landed (would land); `_write` counts the rest as failed."""
    landed = 0
    for chunk in batched(source.iter_mentions(part), batch):
        held = stored_ids(target, [m.id for m in chunk])
        missing, _ = blocks.split(m for m in chunk if m.id not in held)
        if not missing:
            continue
        if not write:
            landed += len(CopyIndex(target).split(missing)[0])
            continue
        before, copies, shares = report.copied, report.copies, report.shares_recorded
        _write(target, missing, report, None, None)
        # A copy of a target post is never held under its own id, so each check offers it again (its brands and
        # share: both idempotent): the pass that first met it counted it, not this one.
        report.copies, report.shares_recorded = copies, shares
        landed += report.copied - before
    return landed


def _copy_state(source: Store, target: Store, report: StoreCopyReport, *, write: bool,
                part: Filters | None = None, entries: dict[str, str] | None = None) -> None:
    """Every state entry the target lacks (a partial copy's `part`: only those of its mentions, `_mention_state`);
    a key it holds keeps the target's value. Resume marks stay put."""
    if entries is None:  # `entries`: the whole state, read before the closing check (`copy_store`)
        entries = source.state_items("") if part is None else _mention_state(source, target, part, dry_run=not write)
    if write:
        entries = _repointed(source, target, entries)
    # What the block list of either store forgot stays forgotten (`groundswell.subject_copy`).
    forgotten = forgotten_entries(source, entries, _blocks(source, target))
    report.forgotten_state += len(forgotten.drop) + len(forgotten.rewrite)
    entries = {k: forgotten.rewrite.get(k, v) for k, v in entries.items() if k not in forgotten.drop}
    theirs = target.get_states(entries)
    for key, value in entries.items():
        if key.startswith(MARK_PREFIX):
            continue  # a mark of a copy into the source, not state of its data
        if key == INSTALL_KEY:
            # The source's install id stays its own: a staging copy that carried it gave a receiver production's
            # idempotency keys for its own alerts. The target keeps its id, or makes one (below); the ledger is
            # copied, so nothing is sent again under the new keys.
            continue
        if key not in theirs:
            if write:
                target.set_state(key, value)
            report.state_copied += 1
        elif theirs[key] == value:
            report.state_same += 1
        elif key == INDEX_KEY:
            if write:
                target.set_state(key, merged_index(theirs[key], value))
            report.state_merged += 1
        else:
            report.state_kept += 1
    if write and part is None and INSTALL_KEY in entries:
        install_id(target)  # its own, made now (or the one it has): alerts.install_id


def _blocks(source: Store, target: Store) -> BlockList:
    """The block list of both stores (a dry run has not written the source's to the target)."""
    blocks = BlockList(target)
    blocks.keys().update(BlockList(source).keys())
    return blocks


def _repointed(source: Store, target: Store, entries: dict[str, str]) -> dict[str, str]:
    """`entries` with each share of a source post the target does not hold re-pointed to the post the target kept
    in its place: a stand-in repost (`core.stories`) or a URL copy the copy rule dropped (`_write`). The target's
    copy index says which (`CopyIndex.split` of the source post again: what `_write` decided, read only); a share
    of a post neither holds stays as it is (retention prunes it)."""
    shares = {key: share for key, value in entries.items()
              if key.startswith(SHARE_PREFIX) and (share := Share.from_entry(key, value)) is not None}
    originals = {share.original for share in shares.values()}
    gone = sorted(originals - stored_ids(target, originals)) if originals else []
    kept: dict[str, str] = {}
    for chunk in batched(gone, BATCH):
        found = source.get(chunk)
        kept |= {copy.id: owner for copy, owner in CopyIndex(target).split(found)[1]} if found else {}
    if not kept:
        return entries
    return entries | {key: replace(share, original=kept[share.original]).to_json()
                      for key, share in shares.items() if share.original in kept}


def _mention_state(source: Store, target: Store, part: Filters, *, dry_run: bool) -> dict[str, str]:
    """The source's entries that belong to one mention (a share: its original, re-pointed as `_repointed`;
    `MENTION_STATE`: the key's mention) which the target holds after the copy (a dry run: holds already, or
    will, being in `part`)."""
    owner: dict[str, str] = {}
    shares = source.state_items(SHARE_PREFIX)
    if not dry_run:
        shares = _repointed(source, target, shares)
    for key, value in shares.items():
        share = Share.from_entry(key, value)
        if share is not None:  # an unreadable share is no one's: left where it is
            owner[key] = share.original
    for prefix in MENTION_STATE:
        owner.update({key: key[len(prefix):] for key in source.state_items(prefix)})
    held = stored_ids(target, owner.values())
    if dry_run:
        for chunk in batched(sorted(set(owner.values()) - held), 500):  # reads by id in chunks, as `stored_ids`
            held |= {m.id for m in source.get(chunk) if _in_part(m, part)}
    wanted = [key for key, mention_id in owner.items() if mention_id in held]
    values = source.get_states(wanted) if wanted else {}
    return values | {key: shares[key] for key in values if key in shares}


def _in_part(mention: Mention, part: Filters) -> bool:
    after = part.since is None or as_utc(mention.created_at) >= as_utc(part.since)
    return after and (part.brand is None or part.brand in mention.brands)
