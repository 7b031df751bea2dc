"""The store interface: what the pipeline, detectors, report and dashboard need.

Two implementations stand behind it: the embedded SQLite store (`indexing.sqlite`)
for one machine, and Elasticsearch (`indexing.elasticsearch`) for teams. Every
consumer talks to `Store` only, so the same code runs on both.
"""

from __future__ import annotations

import html
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from functools import lru_cache
from typing import Any, Literal, NamedTuple, Protocol, get_args, runtime_checkable
from zoneinfo import ZoneInfo

from core.mention import RT_PREFIX, Mention, Sentiment
from core.state import ListableState

_log = logging.getLogger(__name__)

Interval = Literal["hour", "day"]
# Local days are found per quarter hour: every UTC offset in use is a multiple of 15 minutes, so a quarter hour
# never straddles a local midnight (only historic local mean times, before ~1970 in most zones, were not).
LOCAL_SLOT_SECONDS = 900
SearchSort = Literal["newest", "oldest", "engagement", "relevance"]  # `Store.search`'s orders, named once
SORTS: tuple[str, ...] = get_args(SearchSort)
MAX_PAGE_SIZE = 1000


# The fields each later step writes (`Store.upsert(..., fields=...)`): a step writes only its own, and every
# other field is taken from what is stored at the moment of the write, so a step working from an older read
# never undoes what another step wrote since (a spam flag, a theme, a person's label).
ENRICHED = frozenset({"sentiment", "lang", "intent"})  # the enrich step
SENTIMENT = frozenset({"sentiment"})  # re-enrich, corrections and their undo
SPAM = frozenset({"spam"})  # the spam step, "not spam" and its undo
THEMES = frozenset({"themes", "brand_themes"})  # the themes step
INTENT = frozenset({"intent"})  # the intents backfill
BRANDS = frozenset({"brands", "matches"})  # re-attribution (merged as a union anyway)


def _kept_sentiment(new: Sentiment | None, old: Sentiment | None, replace_labels: bool) -> Sentiment | None:
    """The label to store: `new`'s, except that a person's label (`Sentiment.by_analyst`) outranks any model's
    or rule's; only another person's label replaces it, or `replace_labels` (undoing a correction). No label
    in `new` keeps `old`'s."""
    if new is None:
        return old
    if old is not None and old.by_analyst and not new.by_analyst and not replace_labels:
        return old
    return new


# What the later steps derive from a post's text (enrich: sentiment, language, intent; the themes and spam
# steps): labels of one text, never carried over to another (`keep_enrichment`).
TEXT_LABELS = frozenset({"sentiment", "lang", "intent", "themes", "brand_themes", "spam"})
_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", html.unescape(html.unescape(text)))).strip()


def same_text(a: str, b: str) -> bool:
    """Whether two versions of a post's text read the same: HTML entities, Unicode composition (NFC) and runs
    of whitespace aside (what a re-collect of an unchanged post may still vary in)."""
    return a == b or _norm(a) == _norm(b)


# A source that cuts a text short marks the cut: X gives a retweet whose original it did not send as
# 'RT @x: the first characters…'. At least this much must remain for the cut text to be called the same.
_ELLIPSES = ("…", "...")
MIN_CUT_CHARS = 20


def cut_short(new: str, old: str) -> bool:
    """Whether `new` is `old` cut short by its source (ending in an ellipsis, the rest of it `old`'s start, a
    leading 'RT @x:' aside): the same post read less fully, whose labels and fuller text are kept."""
    short, full = RT_PREFIX.sub("", _norm(new)), RT_PREFIX.sub("", _norm(old))
    for ellipsis in _ELLIPSES:
        if short.endswith(ellipsis):
            head = short[: -len(ellipsis)].rstrip()
            return len(head) >= MIN_CUT_CHARS and len(full) > len(head) and full.startswith(head)
    return False


def keep_enrichment(new: Mention, old: Mention | None, replace_labels: bool = False,
                    fields: frozenset[str] | None = None) -> Mention:
    """The mention to store when `new` is written over the stored `old` (same id).

    - `fields` given (a later step: ENRICHED, SENTIMENT, SPAM, ...): `old` with only those fields from `new`;
      none of the TEXT_LABELS when `new`'s text is not `old`'s (`same_text`): the step read another version
      of the post, and its labels are not the stored text's.
    - `new` without a label (a bare re-collect): fresh counts and text, and everything the later steps gave
      `old` (label, themes, language, spam flag, intent) is kept, as long as the text is the same. A new
      text (an edited post) drops them all, a person's label too (it was set on the old text; its record
      stays in `groundswell.sentiment_corrections`), so the next enrich tags it again.
    - Otherwise `new` whole (an import or a copy of a labelled mention).
    A person's label is kept over any model's (`_kept_sentiment`) while the text is the same: re-enriching,
    or a write made from a read before the correction, never undoes it. Every store writes through this rule."""
    if old is None:
        return new
    if not same_text(new.text, old.text) and cut_short(new.text, old.text):
        new = new.model_copy(update={"text": old.text})  # the fuller reading stays, and so do its labels
    edited = not same_text(new.text, old.text)
    if fields is not None:
        kept = fields - TEXT_LABELS if edited else fields
        changed = {name: getattr(new, name) for name in kept}
        if "sentiment" in kept:
            changed["sentiment"] = _kept_sentiment(new.sentiment, old.sentiment, replace_labels)
        return old.model_copy(update=changed)
    if edited:
        return new  # its own labels (none, for a re-collect), never those of the old text
    if new.sentiment is None:
        return new.model_copy(
            update={"sentiment": old.sentiment, "themes": old.themes, "brand_themes": old.brand_themes,
                    "lang": new.lang or old.lang,
                    "spam": old.spam, "intent": old.intent}
        )
    return new.model_copy(update={"sentiment": _kept_sentiment(new.sentiment, old.sentiment, replace_labels)})


def merge_stored(new: Mention, old: Mention | None, replace_labels: bool = False,
                 fields: frozenset[str] | None = None) -> Mention | None:
    """The mention to store when `new` is written over the stored `old` (same id): the brands are the
    union of both (a pass for one brand, or an enrich write made from an older read, never takes a
    brand away), the time it was first stored under is kept, and the rest is as `keep_enrichment` says
    (`replace_labels`, `fields`).
    None, nothing to store, for a write of some `fields` (a later step) when no `old` is stored: retention
    deleted the post since the step read it, and writing it whole would bring it back (`NO_LONGER_STORED`).
    Every store's upsert writes through this."""
    if old is None and fields is not None:
        return None
    merged = keep_enrichment(new, old, replace_labels, fields)
    if old is None:
        return merged
    if merged.created_at != old.created_at:
        # The first time a post was stored under wins: a feed entry without a date is dated when collected
        # (extractors/rss.py, `undated: collected`), and every later collection must not move it in time.
        merged = merged.model_copy(update={"created_at": old.created_at})
    return merged.with_brands(old.brands, {b: q for b, q in old.matches.items() if b not in new.matches})


# `WriteResult.error` of a `fields=` write whose mention is no longer stored (`merge_stored` gave None): it is
# done (`ok`), nothing was written, and the caller must not park or retry it.
NO_LONGER_STORED = "no longer stored (deleted since it was read, e.g. by retention); not written again"


def is_no_longer_stored(result: WriteResult) -> bool:
    return result.ok and result.error == NO_LONGER_STORED


def log_no_longer_stored(results: Iterable[WriteResult]) -> None:
    """One line for the writes of a batch that found their mention gone (`NO_LONGER_STORED`), if any."""
    gone = [r.id for r in results if is_no_longer_stored(r)]
    if gone:
        _log.info("%d mention(s) no longer stored (first %s): this step's write skipped them, not re-inserted",
                  len(gone), gone[0])


class StoreUnavailable(RuntimeError):
    """The store cannot be reached; the message names where it looked and what to check (one line)."""


class UnreadableDocs:
    """Stored documents a scanning read (`iter_mentions`, `search`, `unenriched`) skipped because this
    version cannot read them (damaged by hand, or written by a version whose fields this one rejects).

    One such post must not stop a report, the dashboard or an alert run, so scans skip it, log it once by
    id, and count it here; a caller that must not lose it (`store copy`) checks `count`. `get` does not skip:
    callers read "not returned" as "not stored" (retention prunes the state of mentions `get` misses). Posts a
    scan found and now shows whole (a report's listed posts, advocates' samples) are read through `get_readable`,
    which skips and counts such a post as scans do. `iter_rows` reads a few fields, not the whole document: a post
    whose light fields read but whose document does not validate is counted in the light figures (response
    totals, advocates' counts) and left out of what is listed whole: validating every row would cost the whole
    decode `iter_rows` exists to save (about `iter_mentions`' time)."""

    MAX_NAMED = 20  # ids kept (and logged) by name; `count` has them all

    def __init__(self) -> None:
        self.count = 0
        self.named: dict[str, str] = {}  # id -> why, the first MAX_NAMED

    def read(self, mention_id: str, load: Callable[[], Mention]) -> Mention | None:
        """`load()`, or None (counted, logged once) when the stored document is not a valid Mention."""
        try:
            return load()
        except ValueError as exc:  # pydantic's ValidationError and json's decode errors are ValueErrors
            self.count += 1
            if len(self.named) < self.MAX_NAMED and mention_id not in self.named:
                # The error's first two lines name the field; the rest quotes the stored value.
                why = " ".join(str(exc).splitlines()[:2])[:200]
                self.named[mention_id] = why
                # A write over it is refused too (it could lose a label): upgrading or deleting it are the ways on.
                _log.warning("skipped stored mention %s: this version cannot read it (%s); run the version that "
                             "wrote it, or delete it", mention_id, why)
            return None


def check_search_args(sort: str, size: int) -> None:
    """The same argument errors from every store, worded for the person who typed them."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort '{sort}'; use one of {', '.join(SORTS)}")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError(f"size must be between 1 and {MAX_PAGE_SIZE}")


@dataclass(frozen=True)
class Filters:
    """Conditions every query accepts. None means 'any'.

    `text` is a query in Groundswell's boolean query language (see
    `core.query`); stores compile it to their own syntax, so a user's
    string never reaches the backend's query language unparsed.
    """

    brand: str | None = None
    brands: tuple[str, ...] | None = None
    source: str | None = None
    lang: str | None = None
    sentiment: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    # Inclusive; on `Mention.collected_at`, when the run that stored a post last wrote it: what an API consumer
    # loading incrementally asks for ("what arrived since my last load"). Posts without one never match.
    collected_since: datetime | None = None
    min_followers: int | None = None
    text: str | None = None
    theme: str | None = None
    intent: str | None = None  # `Mention.intent` (nlp/intents.py): only posts tagged with this intent
    # True: only mentions whose sentiment is flagged uncertain (the analyst's review queue);
    # False: only confidently tagged ones. Untagged mentions match neither.
    uncertain: bool | None = None
    # Mentions the spam detector flagged (`Mention.spam`) are left out of every count, search and
    # aggregation unless this is True: one rule, applied by each store, so no consumer counts bots.
    include_spam: bool = False

    def replace(self, **changes: Any) -> Filters:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data.update(changes)
        return Filters(**data)


@dataclass(frozen=True)
class WriteResult:
    """Outcome of writing one mention, in the elasticsearch-py helpers' spirit."""

    id: str
    ok: bool
    created: bool = False  # False on ok=True means an existing mention was updated
    error: str | None = None


@dataclass
class Hit:
    mention: Mention
    highlight: str | None = None
    score: float | None = None


@dataclass
class SearchPage:
    hits: list[Hit]
    total: int
    # Opaque token for the next page (search_after style); None on the last page.
    next_cursor: str | None = None
    # False when `total` is a lower bound: the SQLite store stops counting at 10,000 matches (`TOTAL_CAP` in
    # indexing/sqlite.py: an exact count of a broad text query takes seconds there); Elasticsearch counts every
    # match (track_total_hits) and leaves it True. The dashboard shows a lower bound as "10,000+".
    total_exact: bool = True


@dataclass(frozen=True)
class Bucket:
    """Mention counts by sentiment for one time bucket starting at `start`."""

    start: datetime
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        return self.negative + self.neutral + self.positive + self.unknown

    @property
    def net_sentiment(self) -> float | None:
        """(positive − negative) / the mentions with a label; None when none has one (unenriched mentions
        are not neutral: counting them would pull a day towards 0 while enrichment lags)."""
        scored = self.negative + self.neutral + self.positive
        return (self.positive - self.negative) / scored if scored else None


@dataclass
class ThemeCount:
    theme: str
    count: int
    sentiment: dict[str, int] = field(default_factory=dict)


@dataclass
class AuthorStat:
    handle: str
    source: str
    mentions: int
    engagement: int
    followers: int


class RowAuthor(NamedTuple):
    """A `PostRow`'s author: what `core.accounts.OwnAccounts.owns` and the advocates ranking read."""

    handle: str | None = None
    id: str | None = None
    followers: int = 0


class PostRow(NamedTuple):
    """The few fields of a stored post that a per-post aggregation over a whole period reads (response times,
    advocates), as `Store.iter_rows` streams them: a fraction of a `Mention`'s memory and decoding time (a named
    tuple: built in C, ~10x faster than a dataclass). Its attributes are named as a Mention's (`author.handle`,
    `url`, `source`), so rules written for one read both."""

    id: str
    created_at: datetime
    source: str
    author: RowAuthor
    url: str | None
    reply_to: str | None
    repost_of: bool  # `Mention.extra["repost_of"]` set (truthy)
    spam: str | None
    sentiment: str | None  # the label
    lang: str | None
    engagement: int  # `Engagement.total`

    @classmethod
    def of(cls, m: Mention) -> PostRow:
        """The row of a whole mention: what `iter_rows` must give for it (the stores' parity tests compare)."""
        return cls(
            id=m.id, created_at=m.created_at, source=m.source,
            author=RowAuthor(m.author.handle, m.author.id, m.author.followers or 0), url=m.url,
            reply_to=m.reply_to, repost_of=bool(m.extra.get("repost_of")), spam=m.spam,
            sentiment=m.sentiment.label if m.sentiment is not None else None, lang=m.lang,
            engagement=m.engagement.total,
        )  # fmt: skip


@runtime_checkable
class Store(ListableState, Protocol):
    """Where mentions live. Writes are idempotent upserts keyed by `Mention.id`."""

    name: str
    unreadable: UnreadableDocs  # what scans skipped since the store was opened

    def upsert(self, mentions: Iterable[Mention], *, replace_labels: bool = False,
               fields: frozenset[str] | None = None) -> Iterator[WriteResult]:
        """Write mentions (insert or replace by id, through `merge_stored`); yield one result per mention.
        `replace_labels`: their sentiment replaces even a person's label (only for undoing a correction).
        `fields`: only these fields are written over a stored mention (ENRICHED, SPAM, ...), the rest kept."""
        ...

    def get(self, ids: Iterable[str]) -> list[Mention]: ...

    def get_readable(self, ids: Iterable[str]) -> list[Mention]:
        """`get`, less the documents this version cannot read: skipped, logged and counted in `unreadable`, as
        scans do. For posts a scan found and a report now shows whole (one such post must not stop the report)."""
        ...

    def count(self, filters: Filters | None = None) -> int: ...

    def totals(self, filters: Filters | None = None) -> dict[str, int]:
        """{"mentions", "engagement", "reach"} sums over the matching mentions (reach = followers + engagement)."""
        ...

    def iter_mentions(self, filters: Filters | None = None) -> Iterator[Mention]:
        """Every matching mention, oldest first, streamed."""
        ...

    def iter_rows(self, filters: Filters | None = None, *, replies_only: bool = False) -> Iterator[PostRow]:
        """`PostRow.of` each mention `iter_mentions(filters)` gives, in its order, without building Mentions.
        `replies_only`: only posts that reply to another (`reply_to` set). A stored document this version cannot
        read is skipped here only when its light fields cannot be read either."""
        ...

    def unenriched(self, limit: int = 1000) -> list[Mention]:
        """Mentions not yet tagged with sentiment, oldest first."""
        ...

    def search(
        self,
        filters: Filters,
        size: int = 20,
        cursor: str | None = None,
        sort: SearchSort = "newest",
        page_on: bool = True,
        keep_alive: str | None = None,
    ) -> SearchPage:
        """One page of matches and the cursor of the next. `page_on=False`: the caller reads this page only (a
        card's sample posts, the newest post), so the store keeps nothing open for later pages (Elasticsearch: no
        point in time); its `next_cursor` still pages on, without that snapshot. `keep_alive` (an Elasticsearch
        duration, `10m`): how long what is kept open may wait for the next page, for a caller that may pause
        longer than the store's default (an export streamed to a slow client); None: the store's default."""
        ...

    def histogram(self, filters: Filters, interval: Interval = "hour", tz: str = "UTC") -> list[Bucket]:
        """Counts by sentiment per time bucket (empty buckets omitted). Day buckets run from local midnight to
        local midnight in the IANA zone `tz` (23 or 25 hours across a DST change; `day_start`), each `start`
        that midnight in UTC; hour buckets are UTC hours whatever `tz`."""
        ...

    def facet(
        self, filters: Filters, field: Literal["lang", "source", "brand", "sentiment", "spam", "intent", "model"]
    ) -> dict[str, int]:
        """Counts per value of `field` ("unknown": none; "brand": once per brand a post belongs to;
        "spam": per exclusion reason, with `include_spam` to see them; "intent": `Mention.intent`; "model":
        the model build each label records, `Sentiment.model`)."""
        ...

    def top_themes(self, filters: Filters, n: int = 10) -> list[ThemeCount]: ...

    def theme_histogram(
        self, filters: Filters, themes: Iterable[str], interval: Interval = "day", tz: str = "UTC"
    ) -> dict[str, dict[datetime, int]]:
        """Mention counts per time bucket for each of `themes` (one query for all; themes and
        buckets without a mention omitted): a theme card's trend sparkline. Buckets as `histogram`'s."""
        ...

    def top_authors(self, filters: Filters, n: int = 10) -> list[AuthorStat]: ...

    def significant_terms(self, foreground: Filters, background: Filters, n: int = 10) -> list[tuple[str, float]]:
        """Terms over-represented in foreground vs background, best first."""
        ...

    # get_state / set_state / state_items / delete_state come from `core.state.ListableState`: small
    # state kept beside the data (cursors, copy index, alert log, sent alerts).

    def delete_older_than(self, cutoff: datetime) -> int:
        """Retention: remove mentions created before cutoff; return how many."""
        ...

    def delete_ids(self, ids: Iterable[str]) -> int:
        """Erasure: remove the mentions with these ids (with everything the store keeps beside them: its search
        index, brand and theme rows); return how many were stored. Ids not stored are no error."""
        ...

    def close(self) -> None: ...


def day_start(moment: datetime, tz: str = "UTC") -> datetime:
    """The start, in UTC, of the day in the IANA zone `tz` that holds `moment`: its local midnight (the day
    bucket rule of both stores; the same midnight as the digest's day, `groundswell.periods.local_midnight`)."""
    zone = ZoneInfo(tz)
    return datetime.combine(moment.astimezone(zone).date(), time(0), tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=65536)
def local_day_of_slot(slot_start: int, tz: str) -> int:
    """`day_start` of a LOCAL_SLOT_SECONDS slot starting at `slot_start` (epoch seconds), in epoch seconds: how a
    store that groups by slot in its query finds each slot's local day."""
    return int(day_start(datetime.fromtimestamp(slot_start, tz=UTC), tz).timestamp())


def theme_counts(store: Store, filters: Filters) -> Callable[[datetime, datetime, int], dict[str, int]]:
    """(since, until, n) -> the n most mentioned themes of `filters` in [since, until), with counts:
    what the rising-themes rule (`nlp.trends.trends`) reads from a store."""

    def counts(since: datetime, until: datetime, n: int) -> dict[str, int]:
        return {t.theme: t.count for t in store.top_themes(filters.replace(since=since, until=until), n=n)}

    return counts


def stored_ids(store: Store, ids: Iterable[str], chunk: int = 500) -> set[str]:
    """Which of `ids` the store still holds (read in chunks): what state kept per mention prunes by."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), chunk):
        found.update(m.id for m in store.get(wanted[start : start + chunk]))
    return found


def mention_keyed_records(store: Store, prefix: str, ids: Iterable[str] | None = None) -> dict[str, dict]:
    """The JSON object records kept under `<prefix><mention id>`, by mention id (of `ids`, or all); a record
    that is not a JSON object (damaged, or written by hand) is left out."""
    if ids is not None:
        raw = {i: store.get_state(prefix + i) for i in ids}
    else:
        raw = {k.removeprefix(prefix): v for k, v in store.state_items(prefix).items()}
    records: dict[str, dict] = {}
    for mention_id, value in raw.items():
        try:
            record = json.loads(value) if value else None
        except ValueError:
            continue
        if isinstance(record, dict):
            records[mention_id] = record
    return records


def prune_mention_keyed(store: Store, prefix: str) -> int:
    """Delete the state entries `<prefix><mention id>` whose mention is no longer stored; return how many."""
    keys = store.state_items(prefix)
    alive = stored_ids(store, (k.removeprefix(prefix) for k in keys))
    return store.delete_state(k for k in keys if k.removeprefix(prefix) not in alive)


def renamed_brand(mention: Mention, old: str, new: str) -> Mention:
    """`mention` with brand `old` renamed `new` (`groundswell brands rename`): in `brands` (once, when it held
    both), `matches` and `brand_themes`, where `new`'s own entry, if any, wins (the post was attributed to `new`
    by its own query, or clustered for it). The mention itself when it names no `old`. Written whole by the store's
    `rename_brand`, never merged: a merge (`merge_stored`) keeps every stored brand, `old` with them."""
    if old not in mention.brands and old not in mention.matches and old not in mention.brand_themes:
        return mention
    brands = sorted({new if b == old else b for b in mention.brands})
    matches = {b: q for b, q in mention.matches.items() if b != old}
    if old in mention.matches:
        matches.setdefault(new, mention.matches[old])
    themes = {b: t for b, t in mention.brand_themes.items() if b != old}
    if old in mention.brand_themes:
        themes.setdefault(new, mention.brand_themes[old])
    return mention.model_copy(update={"brands": brands, "matches": matches, "brand_themes": themes})


@runtime_checkable
class RenamesBrands(Protocol):
    """A store that can rename a brand on stored mentions (both stores do; `groundswell.brand_rename`)."""

    def rename_brand(self, old: str, new: str, ids: Iterable[str]) -> int:
        """Rewrite the stored mentions of `ids` that name `old` through `renamed_brand`, each whole and only if
        unchanged since read; return how many were rewritten. Ids not stored, or not naming `old`, are no error."""
        ...
