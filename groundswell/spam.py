"""The spam step of the pipeline, and the analyst's "not spam" overrides.

`flag_spam` runs the detector (`nlp.spam.detect`) over the mentions of a run plus the stored ones
around them (a campaign that spans two runs is caught when the second arrives) and writes the
reasons onto `Mention.spam`; stores then leave those mentions out of counts. Flags are sticky (a
later run never un-flags what an earlier one found) and idempotent (the same data gives the same
flags). A mention an analyst marked "not spam" (`mark_not_spam`, the dashboard's button) is never
flagged again: the override lives in the store's state, beside the data, with who set it, when and
the flag it cleared; `undo_not_spam` withdraws it, puts that flag back, and keeps the withdrawn record
with who withdrew it and when (UNDONE_PREFIX, groundswell/withdrawals.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from core.accounts import OwnAccounts
from core.mention import Mention
from core.time import as_utc
from groundswell.withdrawals import keep_withdrawn, prune_withdrawn, withdrawn
from indexing.base import SPAM, Filters, Store, mention_keyed_records, prune_mention_keyed
from nlp.spam import SpamRules, detect

OVERRIDE_PREFIX = "spam-override:"
UNDONE_PREFIX = "spam-override-undone:"  # withdrawn "not spam" records, by mention (groundswell/withdrawals.py)
LOOKBACK = timedelta(hours=24)  # stored history read around a run's mentions, so campaigns span runs


@dataclass
class SpamReport:
    """What one spam pass did."""

    examined: int = 0
    flagged: int = 0  # newly flagged in this pass
    overridden: int = 0  # would be flagged, but an analyst marked them not spam
    by_reason: dict[str, int] = field(default_factory=dict)  # rule name -> newly flagged
    own_posts: int = 0  # the brands' own posts newly set aside (OWN_POST), not counted as spam

    def add(self, other: SpamReport) -> SpamReport:
        """This pass and `other` (over another window) together."""
        by_reason = dict(self.by_reason)
        for rule, n in other.by_reason.items():
            by_reason[rule] = by_reason.get(rule, 0) + n
        return SpamReport(self.examined + other.examined, self.flagged + other.flagged,
                          self.overridden + other.overridden, by_reason, self.own_posts + other.own_posts)


# The brands' own posts (replies of a care account, announcements) are the brand talking, not mentions
# of it: they leave the counts the way spam does (the same store-level exclusion, `Filters.include_spam`),
# with this reason instead of a spam rule's. Left in, 140 polite care replies read as positive and hid
# the demo's crisis spike. Response times read them back explicitly (alerts.response).
OWN_POST = "own account: the brand's own post, not a mention"


def overrides(store: Store) -> set[str]:
    """Ids of the mentions an analyst marked "not spam"."""
    return {key.removeprefix(OVERRIDE_PREFIX) for key in store.state_items(OVERRIDE_PREFIX)}


def prune_overrides(store: Store) -> int:
    """Delete the "not spam" overrides, and withdrawn ones, of mentions no longer stored (retention took
    them); return how many."""
    return prune_mention_keyed(store, OVERRIDE_PREFIX) + prune_withdrawn(store, UNDONE_PREFIX)


def flag_spam(
    store: Store,
    since: datetime,
    until: datetime,
    *,
    rules: SpamRules | None = None,
    lookback: timedelta = LOOKBACK,
    own: OwnAccounts | None = None,
) -> SpamReport:
    """Flag the spam among mentions created in [since, until] and `lookback` around it; return a report.

    Posts of the brands' `own` accounts are never spam (a care team answering many complaints with the
    same text in an hour is what the copy-paste rule would otherwise catch): they get `OWN_POST`, which
    leaves them out of the counts too, unless an analyst marked them otherwise."""
    window = Filters(since=shifted(since, -lookback), until=shifted(until, lookback), include_spam=True)
    batch = list(store.iter_mentions(window))
    report = SpamReport(examined=len(batch))
    found = detect(batch, rules)
    candidates: list[tuple[Mention, str]] = []
    for mention in batch:
        reason = OWN_POST if own and own.owns(mention) else found.get(mention.id)
        if reason is not None and mention.spam is None:  # sticky: an earlier flag stays as it was worded
            candidates.append((mention, reason))
    # Own posts are set aside whether or not the detector found anything, so the overrides are read whenever
    # anything would be flagged: an analyst's "not spam" on a care reply must hold in a quiet window too.
    kept = overrides(store) if candidates else set()
    changed: list[Mention] = []
    for mention, reason in candidates:
        if mention.id in kept:
            report.overridden += 1
            continue
        changed.append(mention.model_copy(update={"spam": reason}))
        if reason == OWN_POST:
            report.own_posts += 1
            continue
        rule = reason.split(":", 1)[0]
        report.by_reason[rule] = report.by_reason.get(rule, 0) + 1
    failed = [r for r in store.upsert(changed, fields=SPAM) if not r.ok]
    if failed:
        raise RuntimeError(f"could not store spam flags: {failed[0].error}")
    report.flagged = len(changed) - report.own_posts
    return report


# The ends of what a datetime can hold, in UTC: a look-back from a post dated 0001-01-01 (or ahead of one dated
# 9999-12-31) stops there instead of raising OverflowError. Imports now skip such dates, but a store written
# before kept them, and its pending spam range would fail every later run (groundswell.spam_pending).
_FIRST = datetime.min.replace(tzinfo=UTC)
_LAST = datetime.max.replace(tzinfo=UTC)


def shifted(when: datetime, by: timedelta) -> datetime:
    """`when` (UTC) moved by `by`, clamped to the datetimes that exist."""
    try:
        moment = as_utc(when)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first UTC datetime, 9999-12-31T23:00-02:00 after
        return _FIRST if when.year == 1 else _LAST
    try:
        return moment + by
    except OverflowError:
        return _LAST if by > timedelta(0) else _FIRST


def mark_not_spam(store: Store, ids: Iterable[str], by: str, now: datetime) -> list[str]:
    """Record an analyst's "not spam" for these mentions and clear their flags; return the ids found.

    The override (who, when, and the flag it cleared) is stored before the flag is cleared, so a pipeline
    run in between cannot re-flag it; marking it again keeps the flag first cleared."""
    found = store.get(list(dict.fromkeys(ids)))
    earlier = override_records(store, [m.id for m in found])
    for mention in found:
        record = {"by": by, "at": as_utc(now).isoformat()}
        flag = mention.spam if mention.spam is not None else earlier.get(mention.id, {}).get("flag")
        if flag is not None:
            record["flag"] = flag
        store.set_state(OVERRIDE_PREFIX + mention.id, json.dumps(record, ensure_ascii=False))
    cleared = [m.model_copy(update={"spam": None}) for m in found if m.spam is not None]
    failed = [r for r in store.upsert(cleared, fields=SPAM) if not r.ok]
    if failed:
        raise RuntimeError(f"could not clear spam flags: {failed[0].error}")
    return [m.id for m in found]


@dataclass
class NotSpamUndo:
    """What `undo_not_spam` did; ids in the order given."""

    reflagged: dict[str, str] = field(default_factory=dict)  # id -> the flag it carries again (out of the counts)
    # the override is gone but no flag was recorded (marked before it was flagged, or before flags were
    # recorded): counted until a spam pass over its time flags it again
    unflagged: list[str] = field(default_factory=list)
    not_overridden: list[str] = field(default_factory=list)  # no "not spam" to withdraw: left alone
    unknown: list[str] = field(default_factory=list)  # no stored mention has this id


def undo_not_spam(store: Store, ids: Iterable[str], by: str, now: datetime) -> NotSpamUndo:
    """Withdraw the "not spam" of these mentions: each gets back the flag the override cleared (out of the
    counts again), and the override moves into the mention's history of withdrawn ones, as withdrawn `by`
    at `now`, so later spam passes may flag it.

    The flag is written before the override moves: a crash in between leaves an override of a flagged
    mention, which changes nothing, and running it again moves it."""
    wanted = list(dict.fromkeys(ids))
    found = {m.id: m for m in store.get(wanted)}
    records = override_records(store, list(found))
    report = NotSpamUndo(unknown=[i for i in wanted if i not in found])
    reflag: list[Mention] = []
    for mention_id in wanted:
        if mention_id not in found:
            continue
        if mention_id not in records and store.get_state(OVERRIDE_PREFIX + mention_id) is None:
            report.not_overridden.append(mention_id)
            continue
        mention, flag = found[mention_id], records.get(mention_id, {}).get("flag")
        if mention.spam is not None:  # a crash after the flag was written, or flagged since: keep that one
            report.reflagged[mention_id] = mention.spam
        elif isinstance(flag, str) and flag:
            reflag.append(mention.model_copy(update={"spam": flag}))
            report.reflagged[mention_id] = flag
        else:
            report.unflagged.append(mention_id)
    failed = [r for r in store.upsert(reflag, fields=SPAM) if not r.ok]
    if failed:
        raise RuntimeError(f"could not store spam flags: {failed[0].error}; run it again")
    done = [*report.reflagged, *report.unflagged]
    keep_withdrawn(store, UNDONE_PREFIX, {i: records[i] for i in done if i in records}, by, now)
    store.delete_state(OVERRIDE_PREFIX + i for i in done)
    return report


def override_records(store: Store, ids: list[str] | None = None) -> dict[str, dict]:
    """The "not spam" records by mention id (of `ids`, or all): {"by", "at", and "flag": the flag it
    cleared, when it cleared one}. An unreadable record is left out (`overrides` still counts it)."""
    return mention_keyed_records(store, OVERRIDE_PREFIX, ids)


def withdrawn_overrides(store: Store, ids: list[str] | None = None) -> dict[str, list[dict]]:
    """The withdrawn "not spam" records by mention id (of `ids`, or all), oldest first: each an override
    record plus `undone_by` and `undone_at`."""
    return withdrawn(store, UNDONE_PREFIX, ids)


def excluded(store: Store, filters: Filters | None = None) -> dict[str, int]:
    """What the counts of `filters` leave out: {"spam": flagged by a spam rule, "own_posts": the brands'
    own posts (OWN_POST)}, from the store's facet of exclusion reasons."""
    f = (filters or Filters()).replace(include_spam=True)
    # The "unknown" count of that facet (the view's unflagged mentions) is not needed here: a store that can
    # count the flagged mentions alone (SqliteStore.spam_reasons, from its few flagged rows) is asked for
    # those, and spares a read of every row in the view on each dashboard page.
    flagged = getattr(store, "spam_reasons", None)
    reasons = flagged(f) if callable(flagged) else store.facet(f, "spam")
    own = reasons.get(OWN_POST, 0)
    return {"spam": sum(n for r, n in reasons.items() if r not in ("unknown", OWN_POST)), "own_posts": own}


def spam_excluded(store: Store, filters: Filters | None = None) -> int:
    """How many mentions matching `filters` the spam rules leave out (what the dashboard and summary show)."""
    return excluded(store, filters)["spam"]
