"""Where a brand's posts still wait for a sentiment label, so detection holds back the rules that read labels.

Posts are stored by ingest and labelled by enrich, separate steps (the Airflow DAGs, a cron split, `run` whose
enrich failed). A post not labelled yet counts in its bucket's total but never as negative: a spike rule judging it
reads a crisis still growing as over (a false all-clear). `awaiting_labels` finds the first bucket holding a post
enrich will label, so `groundswell.pipeline.detect` holds those rules back from there on (`alerts.detect.detections`,
`unlabelled_from`) and the next detection after enrich judges those hours.

Not every unlabelled post is waited for: enrich leaves a stored document this version cannot read un-enriched for good
(the SQLite store skips it), and a post stored over `STUCK_AFTER` ago and still unlabelled is stuck, not waiting
(enrich failing for a day): holding the rules back for it would silence spike alerts forever. Those are counted
(`Unlabelled.stuck`) and named in a note, not waited for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from alerts.config import AlertsConfig
from alerts.detect import judged_span
from alerts.series import STEP
from core.time import as_utc
from indexing.base import MAX_PAGE_SIZE, Filters, Store

STUCK_AFTER = timedelta(hours=24)  # stored this long ago and still unlabelled: stuck (docs/alerts.md)


@dataclass(frozen=True)
class Unlabelled:
    """`first`: start of the first bucket, in what a run reads, holding a post that waits for enrich (None: none does);
    `stuck`: posts without a label before it (all of them when `first` is None) that are not waited for."""

    first: datetime | None = None
    stuck: int = 0


def awaiting_labels(store: Store, brand: str, config: AlertsConfig, now: datetime | None = None,
                    clock: datetime | None = None) -> Unlabelled:
    """Where `brand`'s posts, in what a run at `now` reads (`judged_span`), begin to wait for a sentiment label: posts
    stored since `clock` (default: the wall clock) less `STUCK_AFTER` that enrich can read. The store's histogram
    finds the buckets holding unlabelled posts cheaply; only those are read, to skip unreadable documents."""
    since, until = judged_span(config, now)
    interval = config.spike.bucket
    base = Filters(brand=brand, since=since, until=until)
    unknown = {as_utc(b.start): b.unknown for b in store.histogram(base, interval) if b.unknown}
    if not unknown:
        return Unlabelled()
    # Only the buckets holding unlabelled posts are read, oldest first, each until a waiting post is found: a filter
    # on the stored time over the whole span would read every post's document (SQLite keeps collected_at there), on
    # every detection, for as long as one stuck post stays in the span (a diff review: 0.6 s per brand at 200k).
    fresh_from = as_utc(clock or datetime.now(UTC)) - STUCK_AFTER
    step = STEP[interval]
    first = next((start for start in sorted(unknown) if _waits(store, base, start, step, fresh_from)), None)
    return Unlabelled(first, sum(n for start, n in unknown.items() if first is None or start < first))


def _waits(store: Store, base: Filters, start: datetime, step: timedelta, fresh_from: datetime) -> bool:
    """Whether the bucket from `start` holds a readable post of `base` without a label, stored since `fresh_from`
    (a search skips the documents it cannot read, as enrich does). Newest first: freshly ingested posts come up on
    the first page."""
    lo = start if base.since is None else max(start, as_utc(base.since))
    hi = start + step if base.until is None else min(start + step, as_utc(base.until))
    span = base.replace(since=lo, until=hi)
    cursor: str | None = None
    while True:
        page = store.search(span, size=MAX_PAGE_SIZE, cursor=cursor, sort="newest")
        if any(hit.mention.sentiment is None and hit.mention.collected_at is not None
               and as_utc(hit.mention.collected_at) >= fresh_from for hit in page.hits):
            return True
        if page.next_cursor is None or not page.hits:
            return False
        cursor = page.next_cursor
