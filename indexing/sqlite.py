"""The embedded default store: one SQLite file, no server.

Why SQLite (not DuckDB): the workload is many small idempotent upserts from
scheduled jobs plus interactive filtered reads, and SQLite gives us row-level
upserts, WAL so the dashboard reads while a job writes, and FTS5 full-text
search (trigram tokenizer, so Chinese/Korean substrings work too) in the Python
standard library. Aggregations at a million rows stay fast with the covering
indexes below. DuckDB is a columnar engine that shines at scans but is weaker
at frequent single-row upserts and concurrent reader/writer processes.

Text queries are Groundswell boolean queries: FTS5 narrows candidates (a
superset, see `indexing.sqlite_query.to_fts5`) and the exact matcher decides.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from core.lang_tags import filter_lang, lang_tag
from core.mention import Mention, own_engagement, reposted_author, spam_reason
from core.query import Query, fts5_document, parse
from core.state import claim_free, claim_owner, claim_value
from core.time import as_utc
from indexing import reader_format
from indexing import sqlite_brands as brands_sql
from indexing import sqlite_themes as themes_sql
from indexing.author_lookup import REPOST_SPACES, handle_key
from indexing.base import (
    LOCAL_SLOT_SECONDS,
    NO_LONGER_STORED,
    AuthorStat,
    Bucket,
    Filters,
    Hit,
    Interval,
    PostRow,
    RowAuthor,
    SearchPage,
    SearchSort,
    StoreUnavailable,
    ThemeCount,
    UnreadableDocs,
    WriteResult,
    check_search_args,
    local_day_of_slot,
    log_no_longer_stored,
    merge_stored,
    renamed_brand,
)
from indexing.snippet import query_spans, snippet
from indexing.sqlite_create_lock import creation_lock
from indexing.sqlite_lang import migrate_lang_tags
from indexing.sqlite_query import fts5_exact, lang_clause, split_langs, to_fts5
from indexing.sqlite_snapshots import HeldReads, Lease, Snapshots, begin_snapshot
from indexing.terms import significant_terms
from indexing.theme_rows import selected_brands, theme_rows

log = logging.getLogger(__name__)

# A view's flagged rows the text query is tested on in Python (`_spam_reasons_of_text`, ~0.06 ms each) before the
# spam count filters on the text in SQL instead.
TEXT_SPAM_DIRECT = 2000

# The FTS table (in SCHEMA below), also made again by the index rebuild (`_migrate_fts`).
FTS_TABLE = "CREATE VIRTUAL TABLE IF NOT EXISTS mentions_fts USING fts5(doc, tokenize='trigram')"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS mentions (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    brand TEXT,  -- the old single brand; empty since brands live in mention_brands (indexing/sqlite_brands.py)
    lang TEXT,
    sentiment TEXT,
    created_at INTEGER NOT NULL,  -- epoch seconds to the millisecond (see _epoch): REAL when fractional
    author_handle TEXT,
    author_followers INTEGER NOT NULL DEFAULT 0,
    engagement INTEGER NOT NULL DEFAULT 0,
    enriched INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mentions_time ON mentions(created_at, sentiment);
CREATE INDEX IF NOT EXISTS mentions_unenriched ON mentions(created_at) WHERE enriched = 0;
-- The model build each label records (Sentiment.model): counted by every enrich pass and the dashboard
-- (facet "model") without parsing every stored document; a store from before it gets it on open.
CREATE INDEX IF NOT EXISTS mentions_model ON mentions(json_extract(doc, '$.sentiment.model'));
-- mention_themes (one row per post, brand and label): indexing/sqlite_themes.py
-- The FTS table holds a normalised copy of the text (folded tokens joined by single spaces, with a space
-- before and after, see indexing.sqlite_query.fts5_column) so phrase, accent-free, short-word and short CJK
-- terms prefilter exactly.
{FTS_TABLE};
CREATE TRIGGER IF NOT EXISTS mentions_ad AFTER DELETE ON mentions BEGIN
    DELETE FROM mentions_fts WHERE rowid = old.rowid;
END;
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at REAL NOT NULL
);
"""

# Migration step "spam flags" (added with the spam detector, nlp/spam.py): which mentions are flagged, and
# why, beside the mentions table rather than a new column, so the covering indexes above still answer
# every "not spam" count alone (the rowid is in each index entry) and older stores need no table rebuild.
SPAM_SCHEMA = """
CREATE TABLE IF NOT EXISTS mention_spam (
    mention_rowid INTEGER PRIMARY KEY REFERENCES mentions(rowid) ON DELETE CASCADE,
    reason TEXT NOT NULL
);
"""

# Migration step "intent tags" (added with nlp/intents.py): each tagged mention's intent, beside the mentions
# table like the spam flags (same reasons: no table rebuild for older stores, covered counts stay covered).
INTENT_SCHEMA = """
CREATE TABLE IF NOT EXISTS mention_intent (
    mention_rowid INTEGER PRIMARY KEY REFERENCES mentions(rowid) ON DELETE CASCADE,
    intent TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mention_intent_intent ON mention_intent(intent);
"""

# Migration step "model by time" (with the overview's "labelled by" tile): each label's model build in time order,
# so one brand's model facet over a period reads index ranges (`_brand_model_facet`), not every stored document
# of the period (once the largest of an overview's store calls, bench/dashboard_latency.py). An expression index,
# so SQLite keeps it in step with every writer, an older version's included. A store from before it gets it on
# open (once: an index build over the mentions table).
MODEL_TIME_SCHEMA = """
CREATE INDEX IF NOT EXISTS mentions_model_time ON mentions(json_extract(doc, '$.sentiment.model'), created_at);
"""
# Migration step "author index" (with `mentions_by_author`): each source's posts by the author's handle as stored, so
# `subject forget|export --author` finds someone's posts from the index (it read and parsed every post of the source:
# 92-107 s for 123 posts of a 300k store). A store from before it gets it on open (once: an index build).
AUTHOR_SCHEMA = """
CREATE INDEX IF NOT EXISTS mentions_author ON mentions(source, author_handle);
"""
# Every script an open runs whatever the store's version (`SqliteStore._upgrade`, CREATE ... IF NOT EXISTS): a store
# lacking any object they create is written to by its next open (groundswell.subject_readonly refuses it for the
# commands that promise to change nothing). `mentions_by_author` reads without its index too (a scan).
OPEN_SCRIPTS = (SCHEMA, brands_sql.SCHEMA, themes_sql.SCHEMA, SPAM_SCHEMA, INTENT_SCHEMA, MODEL_TIME_SCHEMA,
                AUTHOR_SCHEMA)
# The same expression, as `_brand_model_facet` reads it through that index (`x`: the mentions table).
MODEL_SQL = "json_extract(x.doc, '$.sentiment.model')"

_SORTS = {
    # sort name -> (SQL key expression, descending)
    "newest": ("m.created_at", True),
    "oldest": ("m.created_at", False),
    "engagement": ("m.engagement", True),
    "relevance": ("m.created_at", True),  # FTS rank is not meaningful across scripts; newest first
}
# Sorts whose key a write can move (a re-collect rewrites engagement): their pages read one snapshot
# (`indexing/sqlite_snapshots.py`). A post's created_at and rowid never change once stored (`merge_stored`; an upsert
# updates its row in place), so a time-ordered page position is before or after a post for good.
_MOVING_SORTS = frozenset({"engagement"})
# The FTS column (`sqlite_query.fts5_column`) as SQL: the document between two spaces. The spaces are added here,
# in the schema, not by the Python function a connection registers: a process of an older version writing to
# this store registers its own `gs_fts_doc` (the bare document), and its rows must still be found.
FTS_DOC_SQL = "' ' || gs_fts_doc({text}) || ' '"
FTS_TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS mentions_ai AFTER INSERT ON mentions BEGIN
    INSERT INTO mentions_fts(rowid, doc) VALUES (new.rowid, {FTS_DOC_SQL.format(text="new.text")});
END""",
    f"""CREATE TRIGGER IF NOT EXISTS mentions_au AFTER UPDATE OF text ON mentions BEGIN
    UPDATE mentions_fts SET doc = {FTS_DOC_SQL.format(text="new.text")} WHERE rowid = new.rowid;
END""",
)
# PRAGMA user_version: the store's format, each step migrated from the one before, once per store (on open:
# the times first, then the FTS index, so each step sees the version it expects).
# 0 = FTS tokens as written; 1 = folded FTS tokens;
# 2 = besides, `created_at` holds milliseconds, like Elasticsearch's date (before: whole seconds);
# 3 = the FTS index holds `core.query.document` format 2 (ё as е, combining marks inside words, #tags, @handles);
# 4 = that document between two spaces (`sqlite_query.fts5_column`), so one- and two-letter words prefilter;
# 5 = the same column, the spaces added by the triggers (`FTS_TRIGGERS`), not by the registered function;
# 6 = `core.query.document` format 3: emoji are tokens (skin tones folded away), $cashtags appended;
# 7 = the same column, its index left in one piece by the upgrade (FTS5 'optimize', as `vacuum` does). 6's rebuild
#     (DELETE, then INSERT of every row) left a 1M store's index in 11 segments at 2.2x its size, delete entries
#     for every old row included, and a text query read one doclist per trigram and segment: the dashboard's
#     boolean-query count took twice as long (bench/dashboard_latency.py --mentions 1000000, docs/dashboard.md);
# 8 = `core.query.document` format 4: traditional Han folded to simplified (rebuilt, then merged, as for 6);
# 9 = `core.query.document` format 5: invisible characters inside words dropped, Arabic tatweel and harakat dropped,
#     Arabic letters split from Latin ones, @handles ended at a change of script (rebuilt, then merged, as for 6);
# 10 = `core.query.document` format 6: Arabic-script letter variants folded (أ as ا, ی as ي ...; rebuilt, then merged).
TIME_VERSION = 2
FTS_VERSION = 10
FTS_COLUMN_VERSION = 10  # the first version whose index holds this column: from it on, the upgrade only merges
FTS_DOCUMENT = 6  # the `core.query.document.VERSION` an index at FTS_VERSION holds (a test keeps them in step)
# The oldest code format that reads this store (`indexing.reader_format`), recorded on open, never lowered.
READER_SQL = (
    "CREATE TABLE IF NOT EXISTS store_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    f"""INSERT INTO store_meta (name, value) VALUES ('reader_format', '{reader_format.READER_FORMAT}')
ON CONFLICT (name) DO UPDATE SET value = excluded.value
WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)""",
)
# Mentions the FTS rebuild indexes per second, for the estimate its log line gives: the slower of the two runs of
# `bench/store_upgrade.py` (bench/results/store_upgrade.json: 16,129/s at 200k, FTS format 8), rounded down, on 2
# loaded cores.
FTS_REBUILD_PER_S = 15000
# Mentions per second the merge of an index already holding this column (6 -> 7) gets through, for its log line:
# the 1M bench store (11 segments) merged in 12 s at load average 15 on 2 cores (83,000/s), rounded well down.
FTS_MERGE_PER_S = 50000
# Rows per second of the subsecond-times step, for its log line's estimate: 202,600 mentions of a 27 Nov store in
# 4.5 s on 2 shared cores (bench/store_upgrade.py --old-format as-is, bench/results/store_upgrade.json).
SUBSECOND_PER_S = 45000
_INTERVAL_SECONDS = {"hour": 3600, "day": 86400}
# A post's own engagement (`core.mention.own_engagement`: 0 for a repost), for top_authors.
_OWN_ENGAGEMENT = (
    "gs_own_engagement(json_extract(m.doc, '$.text'), json_extract(m.doc, '$.extra.repost_of'), m.engagement)"
)
# Search totals above this are reported as a lower bound (`SearchPage.total_exact` False; the dashboard's "10,000+
# matches"); the Elasticsearch store counts exactly. Counting every match does not fit a search page's 150 ms: on the
# 1M bench store `lumora AND NOT battery` (624,686 matches, the matcher judging each) counted in 23.8 s against 0.7 s
# capped, `bat*` in 293 ms against 57 (p50, bench/search_total_count.py, bench/results/search_total_count.json).
TOTAL_CAP = 10_000
INT64_MAX = 2**63 - 1  # the largest INTEGER SQLite stores
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch(value: datetime) -> int | float:
    """Epoch seconds to the millisecond, cut down as Elasticsearch's date field does (its precision), so
    a time filter or order agrees with it: 12:00:00.200 is before since=12:00:00.500 on both stores.

    Whole seconds stay an int (what older stores hold, compared and indexed alike); else the value is
    milliseconds / 1000, the same float for the same millisecond each time, so bounds compare exactly."""
    delta = as_utc(value) - _EPOCH
    ms = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def _stored_epoch(iso: str | None) -> int | float | None:
    """`_epoch` of a time in a stored document (created_at, collected_at: ISO 8601), or None when it cannot be read."""
    try:
        return _epoch(datetime.fromisoformat(iso)) if iso else None
    except (TypeError, ValueError, OverflowError):
        return None


def _bucketing(interval: Interval, tz: str) -> tuple[int, bool]:
    """The step (seconds) a query groups by, and whether its groups are then summed into local days of `tz`
    (`indexing.base.day_start`): days in any zone but UTC; hours are UTC hours in every zone."""
    ZoneInfo(tz)  # an unknown zone fails here, before any query
    if interval == "day" and tz != "UTC":
        return LOCAL_SLOT_SECONDS, True
    return _INTERVAL_SECONDS[interval], False


def _from_epoch(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def _check_counts(m: Mention) -> None:
    """A count SQLite cannot hold (its integers are 64-bit, like Elasticsearch's long) fails this mention
    alone, saying which count, instead of an OverflowError from deep in the driver."""
    for name, value in (("engagement", m.engagement.total), ("author followers", m.author.followers or 0)):
        if value > INT64_MAX:
            raise ValueError(f"{name} count {value} is larger than a store can hold ({INT64_MAX})")


class NotAStore(sqlite3.DatabaseError):
    """An existing file that holds no store (`SqliteStore._check_is_store`): refused as a damaged one is."""


def _open_error(path: str, exc: sqlite3.DatabaseError) -> str:
    """Why the store at `path` cannot be opened, and what to do, in one line."""
    name = getattr(exc, "sqlite_errorname", "")
    if isinstance(exc, NotAStore) or name == "SQLITE_NOTADB" or name.startswith("SQLITE_CORRUPT"):
        return (f"cannot open the SQLite store {path}: {exc} (the file is damaged or not a Groundswell store; "
                "restore it from a backup, or move it away to start an empty store)")
    return f"cannot open the SQLite store {path}: {exc}"


def _one_line(exc: Exception) -> str:
    """A validation error as one line ("topic: Extra inputs are not permitted"), for a write result."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'document'}: {e['msg']}" for e in exc.errors()[:3])
    return " ".join(str(exc).split())


# How long a write waits for another process's write lock before it gives up (`store_busy`).
BUSY_TIMEOUT_S = 30.0
# The most of its size the `-wal` file keeps once checkpointed (PRAGMA journal_size_limit, bytes). SQLite's default
# (-1) never shrinks it: one long export held its snapshot while a collect wrote, and the WAL reached 816 MB beside
# a 507 MB store and stayed that size while `serve` ran. With the limit, each time the WAL starts over it is cut back
# to this; `SqliteStore.checkpoint` (after a big write and when the last export snapshot closes) cuts it to nothing.
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
# How long an open waits for another process upgrading the store before it fails, instead of BUSY_TIMEOUT_S: the FTS
# rebuild of 1M mentions took 53 s (bench/results/store_upgrade.json), so 30 s failed a dashboard started meanwhile.
UPGRADE_WAIT_S = 900.0


def store_busy(exc: BaseException) -> bool:
    """Whether `exc` is SQLite giving up on a lock another connection held past `BUSY_TIMEOUT_S`."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(exc, sqlite3.OperationalError) and code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def _begin_upgrade(conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE for the FTS rebuild, waiting up to UPGRADE_WAIT_S while another process holds the write
    lock: most likely it runs the same rebuild (a dashboard or a job started during an upgrade), which takes
    longer than BUSY_TIMEOUT_S on a large store; failing then would stop that process for nothing."""
    deadline = time.monotonic() + UPGRADE_WAIT_S
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not store_busy(exc) or time.monotonic() >= deadline:
                raise
            log.info("waiting for another process that is writing to this store (upgrading it, most likely: it "
                     "rebuilds the search index once)")


class SqliteStore:
    """`Store` on one SQLite file. Safe to share between threads (one connection per thread)."""

    name = "sqlite"

    def __init__(self, path: str | Path = ":memory:"):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._memory_conn: sqlite3.Connection | None = None
        # Set on a view that reads one snapshot (`snapshot`, and the pages of a held search): every read goes there.
        self._pinned: sqlite3.Connection | None = None
        self._lease: Lease | None = None  # the whole read (`snapshot`) a view reads for, paused and resumed by it
        self._snapshots = Snapshots(self._connect)
        # The WAL an export's snapshot kept from being checkpointed is folded in once none holds it any more.
        self._whole_reads = HeldReads(on_all_closed=self.checkpoint)
        self.unreadable = UnreadableDocs()
        try:
            self._open()
        except reader_format.StoreTooNew:
            self.close()
            raise
        except sqlite3.DatabaseError as exc:
            # A damaged file, or not a database at all: one line naming the file (the CLI prints a
            # StoreUnavailable as such), not a driver traceback.
            self.close()
            raise StoreUnavailable(_open_error(self.path, exc)) from None

    def _open(self) -> None:
        """Create the store when its file does not exist (`_create`: whole or not at all), refuse a file that holds
        none (`_check_is_store`), and bring the schema up to date (`_upgrade`)."""
        if self.path != ":memory:":
            # The file the path names in the end: a store path that is a symlink to a file not created yet (a store
            # on another volume) is created there, as SQLite itself would, not beside the link.
            final = Path(os.path.realpath(self.path))
            try:
                if not final.exists():
                    self._create(final)
                self._check_is_store()
            except OSError as exc:  # an unwritable folder, a symlink loop: one line, not a traceback
                raise StoreUnavailable(f"cannot create or open the SQLite store {self.path}: {exc}") from None
        self._upgrade()

    def _create(self, final: Path) -> None:
        """A new store at `final` (the path resolved), whole or not at all: the schema is built in a scratch file
        beside it (`.<name>.new-*`), then linked in under the store's name. Opening a file creates it empty, and a
        process killed before its tables existed would leave a file every later open refuses (`_check_is_store`);
        killed here, it leaves only the scratch file (safe to delete), and the next open creates the store again."""
        final.parent.mkdir(parents=True, exist_ok=True)
        scratch = final.with_name(f".{final.name}.new-{os.getpid()}-{secrets.token_hex(4)}")
        builder = copy.copy(self)
        builder.path, builder._local = str(scratch), threading.local()
        try:
            builder._upgrade()
        finally:
            builder.close()  # the last connection: SQLite folds the WAL into the file and removes it
        try:
            os.link(scratch, final)  # never replaces: a store another process created meanwhile is the store
        except FileExistsError:
            pass
        except OSError:  # a filesystem without hard links: a rename, never over a store another process made
            with creation_lock(final):
                if not final.exists():
                    os.replace(scratch, final)
        finally:
            for leftover in (scratch, Path(f"{scratch}-wal"), Path(f"{scratch}-shm")):
                leftover.unlink(missing_ok=True)

    def _check_is_store(self) -> None:
        """Refuse an existing file that holds no store: empty (a truncated or zeroed file) or without the mentions
        table. Opened as a new store it would lose the cursors and the sent-alert ledger it held: every source
        would collect again and every channel get again the alerts it already had. Only a missing file is new."""
        if Path(self.path).stat().st_size == 0:  # checked before connecting: the connection writes a header
            raise NotAStore("the file is empty (0 bytes)")
        found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mentions'"
        if not self._conn().execute(found).fetchone():
            raise NotAStore("the file holds no mentions table")

    def _upgrade(self) -> None:
        """Create or bring up to date the schema: every migration step is idempotent, run on each open."""
        recorded = self._check_reader_format()  # before any step writes: a newer version's store is left as it is
        if recorded is None or recorded < reader_format.READER_FORMAT:  # an up-to-date store is not written to
            # Raised before the first step (`indexing.reader_format`): a step that rewrites data for a raised format,
            # killed part-way, leaves a store older versions refuse, not one they misread.
            with self._write_lock:
                for sql in READER_SQL:
                    self._conn().execute(sql)
        self._conn().executescript(SCHEMA)
        self._conn().executescript(brands_sql.SCHEMA)
        self._conn().executescript(themes_sql.SCHEMA)
        with self._write_lock:  # stores from before per-brand theme rows: kept as unattributed
            themes_sql.migrate_theme_brands(self._conn())
        self._migrate_subsecond_times()  # before the FTS step: it raises user_version past TIME_VERSION
        self._migrate_fts()
        self._migrate_spam_flags()
        self._migrate_intent_tags()
        self._migrate_model_time_index()
        self._add_author_index()
        with self._write_lock:  # tags an older version stored as written (`ko-KR`): base codes, once per store
            self.langs_normalised = migrate_lang_tags(self._conn())
        with self._write_lock:
            # Stores written before multi-brand mentions; how many moved is reported by `store migrate`.
            self.legacy_brands_moved = brands_sql.migrate_brand_column(self._conn())

    def _check_reader_format(self) -> int | None:
        """The reader format the store records (`store_meta`; None before it did); refuse one newer than this
        version reads (`indexing.reader_format`)."""
        conn = self._conn()
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_meta'").fetchone():
            return None
        row = conn.execute("SELECT value FROM store_meta WHERE name = 'reader_format'").fetchone()
        recorded = reader_format.parse(row[0] if row else None)
        reader_format.check(f"the SQLite store {self.path}", recorded)
        return recorded

    def _migrate_fts(self) -> None:
        """Rebuild the FTS index and its triggers when an older version wrote them, or merge an index that holds
        this column in pieces (once per store); either way it is left in one segment."""
        conn = self._conn()
        if conn.execute("PRAGMA user_version").fetchone()[0] >= FTS_VERSION:
            return
        with self._write_lock:
            _begin_upgrade(conn)
            try:
                # Checked again under the write lock: another process may have just migrated.
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version < FTS_VERSION:
                    # A long silent first open looks like a hang: say what runs, and for about how long.
                    started, rows = time.monotonic(), conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
                    rebuild = version < FTS_COLUMN_VERSION
                    log.info("%s the search index of %d mentions (store format %d -> %d, once): about %d s; "
                             "other processes opening or writing the store wait meanwhile, reads go on",
                             "rebuilding" if rebuild else "merging", rows, version, FTS_VERSION,
                             rows // (FTS_REBUILD_PER_S if rebuild else FTS_MERGE_PER_S))
                    if rebuild:
                        # The triggers of an older version write an older column: replaced, and the index rebuilt
                        # (every version before 10 holds an older document: Arabic letter variants unfolded;
                        # before 9 invisible characters splitting words;
                        # before 8 traditional Han unfolded; before 6 emoji and cashtags left out).
                        conn.execute("DROP TRIGGER IF EXISTS mentions_ai")
                        conn.execute("DROP TRIGGER IF EXISTS mentions_au")
                        for trigger in FTS_TRIGGERS:
                            conn.execute(trigger)
                        # Dropped and made again, not emptied: an FTS5 DELETE writes a delete entry for every
                        # trigram of every row (the index grew 2.6x at 200k), and took a fifth of the rebuild.
                        conn.execute("DROP TABLE mentions_fts")
                        conn.execute(FTS_TABLE)
                        column = FTS_DOC_SQL.format(text="text")
                        conn.execute(f"INSERT INTO mentions_fts(rowid, doc) SELECT rowid, {column} FROM mentions")
                    # One segment (a bulk insert leaves several): a query reads one doclist per trigram.
                    conn.execute("INSERT INTO mentions_fts(mentions_fts) VALUES ('optimize')")
                    conn.execute(f"PRAGMA user_version = {FTS_VERSION}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        if version < FTS_VERSION:
            log.info("search index of %d mentions %s in %.0f s", rows, "rebuilt" if rebuild else "merged",
                     time.monotonic() - started)

    def _migrate_subsecond_times(self) -> None:
        """Give rows written when times were cut to whole seconds their milliseconds back, from the stored
        document (which always kept them): once per store, and only rows with a fractional time change."""
        conn = self._conn()
        if conn.execute("PRAGMA user_version").fetchone()[0] >= TIME_VERSION:
            return
        conn.create_function("gs_stored_epoch", 1, _stored_epoch, deterministic=True)
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Checked again under the write lock: another process may have just migrated.
                if conn.execute("PRAGMA user_version").fetchone()[0] < TIME_VERSION:
                    # A long silent first open looks like a hang: say what runs (every stored document is read).
                    started, rows = time.monotonic(), conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
                    log.info("giving mention times their milliseconds back, from the stored documents of %d "
                             "mentions (store format %d -> %d, once): about %d s", rows,
                             conn.execute("PRAGMA user_version").fetchone()[0], TIME_VERSION,
                             rows // SUBSECOND_PER_S)
                    changed = conn.execute(
                        "UPDATE mentions SET created_at = coalesce(gs_stored_epoch(json_extract(doc, "
                        "'$.created_at')), created_at) WHERE json_extract(doc, '$.created_at') LIKE '%.%'"
                    ).rowcount
                    conn.execute(  # the brand rows carry a copy of the time (sqlite_brands.COVERED)
                        "UPDATE mention_brands SET created_at = (SELECT created_at FROM mentions "
                        "WHERE rowid = mention_rowid) WHERE mention_rowid IN "
                        "(SELECT rowid FROM mentions WHERE typeof(created_at) = 'real')"
                    )
                    conn.execute(f"PRAGMA user_version = {TIME_VERSION}")
                    log.info("%d of %d mention times given their milliseconds in %.1f s", changed, rows,
                             time.monotonic() - started)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _migrate_spam_flags(self) -> None:
        """Add the `mention_spam` table to a store made before spam flags, and drop the flag rows of blank reasons
        (spaces) an older version kept: not spam (`core.mention.spam_reason`), as the stored mention reads
        (idempotent, every open)."""
        conn = self._conn()
        conn.executescript(SPAM_SCHEMA)
        # A blank reason starts with a space, a control or a non-ASCII character: only those few are read here.
        rows = conn.execute("SELECT mention_rowid, reason FROM mention_spam WHERE unicode(reason) IS NULL "
                            "OR unicode(reason) <= 32 OR unicode(reason) > 126").fetchall()
        blank = [(rowid,) for rowid, reason in rows if spam_reason(reason) is None]
        if blank:
            with self._write_lock:
                conn.executemany("DELETE FROM mention_spam WHERE mention_rowid = ?", blank)

    def _migrate_intent_tags(self) -> None:
        """Add the `mention_intent` table to a store made before intent tags (idempotent, every open)."""
        self._conn().executescript(INTENT_SCHEMA)

    def _migrate_model_time_index(self) -> None:
        """Add the `mentions_model_time` index to a store made before it (idempotent, every open)."""
        self._conn().executescript(MODEL_TIME_SCHEMA)

    def _add_author_index(self) -> None:
        """Add the `mentions_author` index to a store made before it (every open; once an index build over the
        mentions table, under the write lock: said in the log, as a long silent first open looks like a hang)."""
        conn = self._conn()
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'mentions_author'").fetchone():
            return
        started, rows = time.monotonic(), conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
        log.info("building the author index of %d mentions (once per store)", rows)
        conn.executescript(AUTHOR_SCHEMA)
        log.info("building the author index (once; %.1f s)", time.monotonic() - started)

    # -- connections -------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        if self._pinned is not None:
            if self._lease is not None and self._lease.closed:  # closed under a paused whole read: say why
                self._lease.resume()
            return self._pinned
        if self.path == ":memory:":
            # An in-memory database exists per connection, so every thread shares one.
            if self._memory_conn is None:
                self._memory_conn = self._connect()
            return self._memory_conn
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    @contextmanager
    def snapshot(self, idle_s: float | None = None) -> Iterator[SqliteStore]:
        """This store as one read snapshot while the block runs: every read of the view it yields (searches, scans,
        counts) sees the store as it was when the block began, whatever is written meanwhile, on a connection of
        its own (`indexing/sqlite_snapshots.py`), so an export of any sort lists each matching post exactly once.
        At most `MAX_EXPORTS` are open at once (one more: `ExportsBusy`). With `idle_s`, the reader calls the view's
        `reader_waits()` / `reader_reads()` around its waits on its client, and a wait longer than `idle_s` closes
        the snapshot (its next read raises `SnapshotStalled`). Read only; the in-memory store (one connection every
        thread shares) is read as it is."""
        if self.path == ":memory:" or self._pinned is not None:
            yield self
            return
        lease = self._whole_reads.open(begin_snapshot(self._connect()), idle_s)
        try:
            yield self._reading(lease.conn, lease)
        finally:
            self._whole_reads.release(lease)

    def reader_waits(self) -> None:
        """On a `snapshot` view: its reader now waits on its client (the idle limit counts from here)."""
        if self._lease is not None:
            self._lease.pause()

    def reader_reads(self) -> None:
        """On a `snapshot` view: its reader reads again; `SnapshotStalled` when the wait closed the snapshot."""
        if self._lease is not None:
            self._lease.resume()

    def open_whole_reads(self) -> int:
        """How many `snapshot` blocks (exports) hold a snapshot now."""
        return self._whole_reads.count()

    def _reading(self, conn: sqlite3.Connection, lease: Lease | None = None) -> SqliteStore:
        """A view of this store whose reads all go to `conn` (a snapshot); it shares everything else."""
        view = copy.copy(self)
        view._pinned, view._lease = conn, lease
        return view

    def open_snapshots(self) -> int:
        """How many page snapshots are held now (`search`'s; expired ones closed first)."""
        return self._snapshots.open_count()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        conn.create_function("gs_fts_doc", 1, fts5_document, deterministic=True)
        conn.create_function("gs_stored_epoch", 1, _stored_epoch, deterministic=True)
        conn.create_function("gs_lang_tag", 1, lang_tag, deterministic=True)  # `lang:` on an odd stored tag
        conn.create_function("gs_own_engagement", 3, own_engagement, deterministic=True)  # top_authors
        return conn

    def checkpoint(self) -> tuple[int, int, int] | None:
        """Fold the WAL into the store file and cut it to nothing (`wal_checkpoint(TRUNCATE)`), without waiting: when
        a reader still holds an older snapshot (an export, another process) or a writer is busy, as much as can be
        folded without blocking it (SQLite then checkpoints as PASSIVE does; the reader reads on, unharmed).
        (busy, WAL frames, frames checkpointed) as SQLite reports them; None when there is no WAL to fold (the
        in-memory store, a store no one wrote since the last checkpoint) or the checkpoint could not run."""
        if self.path == ":memory:":
            return None
        if not any(_size(f"{p}-wal") for p in {self.path, os.path.realpath(self.path)}):
            return None
        try:
            conn = self._connect()
        except sqlite3.Error:
            return None
        try:
            conn.execute("PRAGMA busy_timeout=0")  # never wait: a busy reader or writer makes it PASSIVE instead
            busy, frames, done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as exc:  # housekeeping: never what fails a run
            log.debug("WAL checkpoint of %s skipped: %s", self.path, exc)
            return None
        finally:
            conn.close()
        return busy, frames, done

    def fold_wal(self, wait_s: float = 10.0) -> bool:
        """For an erasure (`groundswell subject forget`): `checkpoint`, retried for up to `wait_s` while a reader
        holds an older snapshot (a dashboard's paging or export, another process), until the WAL is folded in and
        cut to nothing. Polled, not a busy_timeout: a waiting TRUNCATE checkpoint would block every writer. False
        when the WAL still holds pages (the deleted text may be among them until that reader ends)."""
        wal = f"{self.path}-wal"
        deadline = time.monotonic() + wait_s
        while True:
            result = self.checkpoint()
            if (result[0] == 0) if result is not None else not _size(wal):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)

    def close(self) -> None:
        self._snapshots.close_all()
        self.checkpoint()  # the end of a run: what it wrote folded in, though `serve` keeps the store open
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        if self._memory_conn is not None:
            self._memory_conn.close()
            self._memory_conn = None

    # -- writes --------------------------------------------------------------------------------
    def upsert(self, mentions: Iterable[Mention], chunk_size: int = 500, *,
               replace_labels: bool = False, fields: frozenset[str] | None = None) -> Iterator[WriteResult]:
        """Insert or update by id, in transactions of `chunk_size`; yield a result per mention.
        `replace_labels`, `fields`: see `indexing.base.keep_enrichment`."""
        chunk: list[Mention] = []
        for mention in mentions:
            chunk.append(mention)
            if len(chunk) >= chunk_size:
                yield from self._write_chunk(chunk, replace_labels, fields)
                chunk = []
        if chunk:
            yield from self._write_chunk(chunk, replace_labels, fields)

    def _write_chunk(self, chunk: list[Mention], replace_labels: bool = False,
                     fields: frozenset[str] | None = None) -> list[WriteResult]:
        # The last copy of an id within one chunk wins, as it would across chunks.
        by_id: dict[str, Mention] = {}
        for mention in chunk:
            by_id[mention.id] = mention
        results: list[WriteResult] = []
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                stored, unread = self._stored_for_write(conn, list(by_id))
                for mention_id, mention in by_id.items():
                    if mention_id in unread:  # never overwrite a copy this version cannot read (its labels, brands)
                        results.append(WriteResult(id=mention_id, ok=False, error=unread[mention_id]))
                        continue
                    result = self._write_saved(conn, mention, stored.get(mention_id), replace_labels, fields)
                    if not conn.in_transaction:
                        # SQLite rolled the whole transaction back (disk full, I/O error, interrupt): the
                        # mentions reported written so far are gone too, so none of the chunk is.
                        why = f"the write was rolled back by SQLite ({result.error}); not written"
                        return [WriteResult(id=i, ok=False, error=why) for i in by_id]
                    results.append(result)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # a ROLLBACK with none open would hide the real error
                    conn.execute("ROLLBACK")
                raise
        log_no_longer_stored(results)
        return results

    def _write_saved(self, conn: sqlite3.Connection, mention: Mention, old: Mention | None,
                     replace_labels: bool, fields: frozenset[str] | None) -> WriteResult:
        """Write one mention inside its own savepoint: one that fails leaves the store exactly as before it
        (no half-written brands, themes, flags or FTS row), and the rest of the chunk still commits."""
        merged = merge_stored(mention, old, replace_labels, fields)
        if merged is None:  # a later step's write over a post deleted since it was read: never re-insert it
            return WriteResult(id=mention.id, ok=True, error=NO_LONGER_STORED)
        conn.execute("SAVEPOINT mention")
        try:
            self._write_one(conn, merged)
        except (sqlite3.Error, ValueError, TypeError, OverflowError) as exc:
            if conn.in_transaction:  # else SQLite already rolled everything back; the caller sees it
                conn.execute("ROLLBACK TO mention")
                conn.execute("RELEASE mention")
            return WriteResult(id=mention.id, ok=False, error=f"{type(exc).__name__}: {exc}")
        conn.execute("RELEASE mention")
        return WriteResult(id=mention.id, ok=True, created=old is None)

    def _stored_docs(self, conn: sqlite3.Connection, ids: list[str]) -> Iterator[tuple[str, str]]:
        """(id, stored JSON document) of those of `ids` that are stored."""
        for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            yield from conn.execute(f"SELECT id, doc FROM mentions WHERE id IN ({marks})", part).fetchall()

    def _existing(self, conn: sqlite3.Connection, ids: list[str]) -> dict[str, Mention]:
        return {mention_id: Mention.model_validate_json(doc) for mention_id, doc in self._stored_docs(conn, ids)}

    def _stored_for_write(self, conn: sqlite3.Connection,
                          ids: list[str]) -> tuple[dict[str, Mention], dict[str, str]]:
        """The stored copies of `ids` to merge with; and by id, why a copy could not be read (e.g. one
        written by a newer version with a field this one lacks). Such an id fails alone, as on
        Elasticsearch: written unmerged it could lose a stored label, a person's correction or brands."""
        stored: dict[str, Mention] = {}
        unread: dict[str, str] = {}
        for mention_id, doc in self._stored_docs(conn, ids):
            try:
                stored[mention_id] = Mention.model_validate_json(doc)
            except ValueError as exc:
                unread[mention_id] = f"the stored copy of {mention_id} is unreadable ({_one_line(exc)}); not written"
        return stored, unread

    def _write_one(self, conn: sqlite3.Connection, m: Mention) -> None:
        _check_counts(m)
        row = (
            m.id,
            m.source,
            None,  # brand: see mention_brands
            m.lang,
            m.sentiment.label if m.sentiment else None,
            _epoch(m.created_at),
            m.author.handle,
            m.author.followers or 0,
            m.engagement.total,
            1 if m.enriched else 0,
            m.text,
            m.model_dump_json(),
        )
        conn.execute(
            """INSERT INTO mentions (id, source, brand, lang, sentiment, created_at, author_handle,
                   author_followers, engagement, enriched, text, doc)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(id) DO UPDATE SET source=excluded.source, brand=excluded.brand, lang=excluded.lang,
                   sentiment=excluded.sentiment, created_at=excluded.created_at,
                   author_handle=excluded.author_handle, author_followers=excluded.author_followers,
                   engagement=excluded.engagement, enriched=excluded.enriched, text=excluded.text, doc=excluded.doc""",
            row,
        )
        (rowid,) = conn.execute("SELECT rowid FROM mentions WHERE id = ?", (m.id,)).fetchone()
        brands_sql.write_brands(conn, rowid, m.brands)
        conn.execute("DELETE FROM mention_themes WHERE mention_rowid = ?", (rowid,))
        conn.executemany(
            "INSERT OR IGNORE INTO mention_themes (mention_rowid, brand, theme) VALUES (?, ?, ?)",
            [(rowid, brand, theme) for brand, theme in theme_rows(m)],
        )
        conn.execute("DELETE FROM mention_spam WHERE mention_rowid = ?", (rowid,))
        if m.spam:
            conn.execute("INSERT INTO mention_spam (mention_rowid, reason) VALUES (?, ?)", (rowid, m.spam))
        conn.execute("DELETE FROM mention_intent WHERE mention_rowid = ?", (rowid,))
        if m.intent:
            conn.execute("INSERT INTO mention_intent (mention_rowid, intent) VALUES (?, ?)", (rowid, m.intent))

    # -- filters -------------------------------------------------------------------------------
    def _where(self, filters: Filters | None, covered: bool = False, keyed: bool = False) -> tuple[str, list[Any], Any]:
        """SQL conditions for the structured filters, plus the parsed text query (or None).

        Written for `_source(filters, covered)`; `covered` (see `_covered`): `m` is the brand's own rows. `keyed`:
        the caller lists the rows of a several-brand filter itself (`sqlite_brands.brand_keys`): its brand range is
        left out (a list of the whole period's posts, read again by every statement), the brand that must also hold
        kept as a per-row check."""
        f = filters or Filters()
        clauses: list[str] = []
        params: list[Any] = []
        since, until = (None if t is None else _epoch(t) for t in (f.since, f.until))
        one = brands_sql.single_brand(f.brand, f.brands)
        if covered:
            clauses.append("m.brand = ?")
            params.append(one)
        elif one is not None:  # read through the brand's index: `_source` joins mention_brands as fb
            clause, args = brands_sql.joined_clause(one, since, until)
            clauses.append(clause)
            params.extend(args)
        elif keyed:
            also = (brands_sql.key_brands(f.brand, f.brands) or ([], None))[1]
            if also is not None:
                clause, args = brands_sql.also_brand_clause(also)
                clauses.append(clause)
                params.extend(args)
        else:
            for wanted in ([f.brand] if f.brand is not None else None, f.brands):
                if wanted:  # "belongs to one of these brands"; brand and brands together: both must hold
                    clause, args = brands_sql.brand_clause(wanted, since, until)
                    clauses.append(clause)
                    params.extend(args)
        for column, value in (("source", f.source), ("sentiment", f.sentiment)):
            if value is not None:
                clauses.append(f"m.{column} = ?")
                params.append(value)
        if f.lang is not None:  # one spelling per language; "unknown": the posts without one (core/lang_tags.py)
            lang = filter_lang(f.lang)
            clauses.append("m.lang IS NULL" if lang is None else "m.lang = ?")
            params.extend([] if lang is None else [lang])
        if f.uncertain is not None:
            # Read from the stored document: a review filter, used with brand/time filters, needs no column.
            clauses.append("m.sentiment IS NOT NULL AND coalesce(json_extract(m.doc, '$.sentiment.uncertain'), 0) = ?")
            params.append(1 if f.uncertain else 0)
        if f.since is not None:
            clauses.append("m.created_at >= ?")
            params.append(_epoch(f.since))
        if f.until is not None:
            clauses.append("m.created_at < ?")
            params.append(_epoch(f.until))
        if f.collected_since is not None:  # read from the stored document: an incremental load's filter
            # gs_stored_epoch cuts to the millisecond as `_epoch` (and Elasticsearch) do; NULL when the post has
            # none (stored before the field existed), which never matches.
            clauses.append("gs_stored_epoch(json_extract(m.doc, '$.collected_at')) >= ?")
            params.append(_epoch(f.collected_since))
        if f.min_followers is not None:
            clauses.append("m.author_followers >= ?")
            params.append(f.min_followers)
        if f.theme is not None:  # the named brands' own themes (indexing/sqlite_themes.py); any brand's without
            sql, extra = themes_sql.theme_clause("m.rowid", selected_brands(f.brand, f.brands))
            clauses.append(sql)
            params += [f.theme, *extra]
        if f.intent is not None:  # covered reads: the mention's rowid is mention_rowid (as for spam below)
            rowid = "m.mention_rowid" if covered else "m.rowid"
            clauses.append(f"{rowid} IN (SELECT mention_rowid FROM mention_intent WHERE intent = ?)")
            params.append(f.intent)
        if not f.include_spam:
            # Covered reads run on mention_brands rows alone: there the mention's rowid is mention_rowid.
            rowid = "m.mention_rowid" if covered else "m.rowid"
            clauses.append(f"{rowid} NOT IN (SELECT mention_rowid FROM mention_spam)")
        query = None
        if f.text:
            query = parse(f.text)  # QuerySyntaxError propagates: the caller shows it to the user
            # `lang:` conjuncts on the language column, exactly as the matcher judges them (`_judge` leaves them
            # out): `lumora lang:de` took 7.4 s on 90 days of a 300k store, the matcher judging every `lumora`.
            for codes in split_langs(query)[0]:
                clause, args = lang_clause(codes)
                clauses.append(clause)
                params.extend(args)
            fts = to_fts5(query, normalized=True)
            if fts:
                clauses.append("m.rowid IN (SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ?)")
                params.append(fts)
        sql = " AND ".join(clauses) if clauses else "1"
        return sql, params, query

    @staticmethod
    def _covered(filters: Filters | None) -> bool:
        """Whether an aggregation that reads only `sqlite_brands.COVERED` columns can run on the brand's
        rows of mention_brands alone (aliased `m`: same column names), never touching `mentions`."""
        f = filters or Filters()
        return f.collected_since is None and brands_sql.covered(brands_sql.single_brand(f.brand, f.brands), f.text,
                                                                f.theme, f.uncertain)

    @staticmethod
    def _source(filters: Filters | None, covered: bool = False) -> str:
        """The FROM clause `_where`'s conditions are written for: mentions m, joined to its brand rows as fb
        for one brand, or one brand's rows alone (`covered`)."""
        if covered:
            return "mention_brands m"
        f = filters or Filters()
        return brands_sql.JOINED_FROM if brands_sql.single_brand(f.brand, f.brands) is not None else "mentions m"

    @staticmethod
    def _time_order(filters: Filters | None) -> tuple[str, str]:
        """(time, rowid) columns to order by in time: the brand index's own, when reading through it."""
        f = filters or Filters()
        joined = brands_sql.single_brand(f.brand, f.brands) is not None
        return ("fb.created_at", "fb.mention_rowid") if joined else ("m.created_at", "m.rowid")

    def _rows(self, sql: str, params: list[Any], query: Any) -> Iterator[sqlite3.Row | tuple]:
        """Run a SELECT whose first columns are (text, lang) and drop rows the exact query rejects (none when
        the FTS clause of `_where` is exact for it: `fts5_exact`)."""
        judge = _judge(query)
        for row in self._conn().execute(sql, params):
            if judge is None or judge(row[0], row[1]):
                yield row

    # -- reads ---------------------------------------------------------------------------------
    def _read(self, mention_id: str, doc: str) -> Mention | None:
        """A scanned row's mention, or None when this version cannot read it (skipped: `UnreadableDocs`)."""
        return self.unreadable.read(mention_id, lambda: Mention.model_validate_json(doc))

    def get(self, ids: Iterable[str]) -> list[Mention]:
        return list(self._existing(self._conn(), list(ids)).values())

    def get_readable(self, ids: Iterable[str]) -> list[Mention]:
        """`get`, skipping (and counting) what this version cannot read (`Store.get_readable`)."""
        read = (self._read(mention_id, doc) for mention_id, doc in self._stored_docs(self._conn(), list(ids)))
        return [m for m in read if m is not None]

    def count(self, filters: Filters | None = None) -> int:
        covered = self._covered(filters)
        where, params, query = self._where(filters, covered)
        src = self._source(filters, covered)
        if _judge(query) is None:  # no query, or one the FTS clause matches exactly: SQL counts it
            return self._conn().execute(f"SELECT count(*) FROM {src} WHERE {where}", params).fetchone()[0]
        return sum(1 for _ in self._rows(f"SELECT m.text, m.lang FROM {src} WHERE {where}", params, query))

    def count_capped(self, filters: Filters | None, cap: int) -> tuple[int, bool]:
        """(count, exact): counting stops at `cap` (as Elasticsearch's track_total_hits=<int> would; the ES store
        counts exactly), and exact is False when more matches exist."""
        covered = self._covered(filters)
        where, params, query = self._where(filters, covered)
        src = self._source(filters, covered)
        if _judge(query) is None:  # as in `count`
            n = (
                self._conn()
                .execute(f"SELECT count(*) FROM (SELECT 1 FROM {src} WHERE {where} LIMIT ?)", [*params, cap + 1])
                .fetchone()[0]
            )
        else:
            n = 0
            for _ in self._rows(f"SELECT m.text, m.lang FROM {src} WHERE {where}", params, query):
                n += 1
                if n > cap:
                    break
        return (cap, False) if n > cap else (n, True)

    def totals(self, filters: Filters | None = None) -> dict[str, int]:
        """Mentions, engagement and reach (followers + engagement) of the matching mentions."""
        covered = self._covered(filters)
        where, params, query = self._where(filters, covered)
        src = self._source(filters, covered)
        if query is None:
            n, eng, fol = (
                self._conn()
                .execute(
                    # total(): a float sum, which cannot overflow as sum() can (an "integer overflow" error).
                    f"SELECT count(*), total(m.engagement), total(m.author_followers) "
                    f"FROM {src} WHERE {where}",
                    params,
                )
                .fetchone()
            )
        else:
            n = eng = fol = 0
            for _, _, e, f in self._rows(
                f"SELECT m.text, m.lang, m.engagement, m.author_followers FROM {src} WHERE {where}", params, query
            ):
                n, eng, fol = n + 1, eng + e, fol + f
        return {"mentions": n, "engagement": int(eng), "reach": int(eng + fol)}

    def iter_mentions(self, filters: Filters | None = None, chunk: int = 2000) -> Iterator[Mention]:
        keyed = brands_sql.key_brands((filters or Filters()).brand, (filters or Filters()).brands)
        if keyed is not None:
            yield from self._iter_brands(filters or Filters(), keyed[0], chunk)
        else:
            yield from self._iter_keyset(filters, chunk)

    def _iter_keyset(self, filters: Filters | None, chunk: int) -> Iterator[Mention]:
        """`iter_mentions` in chunks of one statement each, keyset on (created_at, rowid): no brand, or one brand
        (read through its index range, `_source`)."""
        where, params, query = self._where(filters)
        judge = _judge(query)
        src = self._source(filters)
        when, rowid = self._time_order(filters)
        last = (-(2**62), -1)
        while True:
            sql = (
                f"SELECT m.id, m.text, m.lang, m.doc, {when}, {rowid} FROM {src} WHERE {where} "
                f"AND ({when}, {rowid}) > (?, ?) ORDER BY {when}, {rowid} LIMIT ?"
            )
            rows = self._conn().execute(sql, [*params, *last, chunk]).fetchall()
            if not rows:
                return
            for mention_id, text, lang, doc, _, _ in rows:
                if judge is None or judge(text, lang):
                    mention = self._read(mention_id, doc)
                    if mention is not None:
                        yield mention
            last = (rows[-1][4], rows[-1][5])

    # -- light rows (alerts.response, groundswell.advocates) -------------------------------------
    def iter_rows(self, filters: Filters | None = None, *, replies_only: bool = False,
                  chunk: int = 5000) -> Iterator[PostRow]:
        """`PostRow`s of `iter_mentions(filters)`, in its order and pages: the indexed columns, and the other few
        fields from one `json_extract` of the stored document (C, no Mention built: ~10x less time and memory)."""
        where, params, query = self._where(filters)
        if replies_only:
            where += " AND json_extract(m.doc, '$.reply_to') IS NOT NULL"
        judge = _judge(query)
        src = self._source(filters)
        when, rowid = self._time_order(filters)
        text = "m.text" if judge is not None else "NULL"  # the text only for the exact matcher
        last = (-(2**62), -1)
        while True:
            sql = (
                f"SELECT {text}, m.lang, m.id, m.source, m.author_handle, m.author_followers, m.sentiment, "
                f"m.engagement, json_extract(m.doc, '$.created_at', '$.author.id', '$.url', '$.reply_to', "
                f"'$.extra.repost_of', '$.spam'), {when}, {rowid} FROM {src} WHERE {where} "
                f"AND ({when}, {rowid}) > (?, ?) ORDER BY {when}, {rowid} LIMIT ?"
            )
            rows = self._conn().execute(sql, [*params, *last, chunk]).fetchall()
            if not rows:
                return
            for body, lang, mention_id, source, handle, followers, label, engagement, fields, _, _ in rows:
                if judge is not None and not judge(body, lang):
                    continue
                try:
                    created, author_id, url, reply_to, repost_of, spam = json.loads(fields)
                    created_at = as_utc(datetime.fromisoformat(created))
                except (TypeError, ValueError) as exc:
                    # A document whose light fields cannot be read is skipped and counted, as `iter_mentions` does.
                    self.unreadable.read(mention_id, partial(_unreadable, exc))  # type: ignore[arg-type]
                    continue
                yield PostRow(mention_id, created_at, source, RowAuthor(handle, author_id, followers or 0), url,
                              reply_to, bool(repost_of), spam_reason(spam), label, lang, engagement or 0)
            last = (rows[-1][-2], rows[-1][-1])

    def _iter_brands(self, f: Filters, brands: list[str], chunk: int) -> Iterator[Mention]:
        """`iter_mentions` of a filter on several brands (an export of every brand): each chunk's keys merged from
        each brand's ordered index range (`sqlite_brands.brand_keys`), then those rows by rowid under the other
        conditions. As a keyset over the mentions a brand list selects, every chunk re-read and re-sorted the whole
        period (quadratic in it); this way a chunk costs the same anywhere in the period. Same rows, same order
        ((created_at, rowid)), each once, as one brand's read."""
        where, params, query = self._where(f, keyed=True)
        judge = _judge(query)
        last: tuple[Any, Any] = (-(2**62), -1) if f.since is None else (_epoch(f.since), -1)
        until = None if f.until is None else _epoch(f.until)
        while True:
            conn = self._conn()
            keys = brands_sql.brand_keys(conn, brands, last, until, chunk)
            if not keys:
                return
            rows = _keyed_rows(conn, keys, where, params)
            for _, rowid in keys:
                row = rows.get(rowid)
                if row is None:
                    continue  # another filter rejects it (or it was deleted meanwhile)
                mention_id, text, lang, doc = row
                if judge is None or judge(text, lang):
                    mention = self._read(mention_id, doc)
                    if mention is not None:
                        yield mention
            last = keys[-1]

    def mentions_by_author(self, source: str, handles: Iterable[str]) -> list[Mention]:
        """`indexing.author_lookup.FindsAuthors`: the posts of `source` by one of `handles`, or reposting one of
        them, spam included, oldest first. The handles stored for the source are read from its (source,
        author_handle) index and compared by `handle_key` in Python (casefolding is not SQL's); their posts are
        read by that index. Reposts (`RT @handle:`) are found by text: only texts starting with 'RT' after any
        whitespace (`REPOST_SPACES`) reach `reposted_author`, and only the matches are parsed."""
        wanted = {handle_key(h) for h in handles}
        if not wanted:
            return []
        conn = self._conn()
        with _snapshot(conn, shared=self.path == ":memory:"):
            stored = [h for (h,) in conn.execute(
                "SELECT DISTINCT author_handle FROM mentions WHERE source = ? AND author_handle IS NOT NULL", (source,)
            ) if handle_key(h) in wanted]
            rows: dict[str, str] = {}
            for start in range(0, len(stored), 500):  # stay under SQLite's bound-parameter limit
                part = stored[start : start + 500]
                rows.update(conn.execute(
                    f"SELECT id, doc FROM mentions WHERE source = ? AND author_handle IN ({','.join('?' * len(part))})",
                    [source, *part],
                ).fetchall())
            conn.create_function("gs_repost_of", 1, lambda text: handle_key(reposted_author(text) or ""),
                                 deterministic=True)
            marks = ",".join("?" * len(wanted))
            rows.update(conn.execute(
                f"SELECT id, doc FROM mentions WHERE source = ? AND ltrim(text, ?) LIKE 'rt%' "
                f"AND gs_repost_of(text) IN ({marks})",
                [source, REPOST_SPACES, *sorted(wanted)],
            ).fetchall())
        found = [m for m in (self._read(mention_id, doc) for mention_id, doc in rows.items()) if m is not None]
        return sorted(found, key=lambda m: (m.created_at, m.id))

    def unenriched(self, limit: int = 1000) -> list[Mention]:
        """Up to `limit` un-enriched mentions, oldest first. Read on past ones this version cannot read (they
        stay un-enriched, so a batch that stopped at them would stop every later enrich run there too)."""
        out: list[Mention] = []
        last = (-(2**62), -1)
        while len(out) < limit:
            rows = (
                self._conn()
                .execute(
                    "SELECT id, doc, created_at, rowid FROM mentions WHERE enriched = 0 "
                    "AND (created_at, rowid) > (?, ?) ORDER BY created_at, rowid LIMIT ?",
                    (*last, limit - len(out)),
                )
                .fetchall()
            )
            if not rows:
                break
            out += [m for m in (self._read(mention_id, doc) for mention_id, doc, _, _ in rows) if m is not None]
            last = (rows[-1][2], rows[-1][3])
        return out

    def search(
        self,
        filters: Filters,
        size: int = 20,
        cursor: str | None = None,
        sort: SearchSort = "newest",
        page_on: bool = True,
        keep_alive: str | None = None,
    ) -> SearchPage:
        """One page of matches, keyset-paginated so page 10,000 costs what page 1 does.

        An engagement-sorted search that may be paged (`page_on`) and asks for it (`keep_alive`, as Elasticsearch's
        point in time) reads a snapshot held between its pages (`indexing/sqlite_snapshots.py`): page one opens it,
        its cursor names it, each page renews its keep-alive and the last page closes it; a cursor whose snapshot
        expired is refused (`SnapshotExpired`, a ValueError). Without `keep_alive` pages are keyset pages of the live
        store (Explore's): in order from where the last page stopped, but a post whose engagement moved across that
        position meanwhile is listed twice or not at all. Time orders need none: their key never moves."""
        check_search_args(sort, size)
        after = _decode_cursor(cursor) if cursor else None
        held = after[4] if after is not None and len(after) == 5 else None
        if held is not None and self._pinned is None:
            lease = self._snapshots.get(held, keep_alive)
        elif (after is None and page_on and keep_alive is not None and sort in _MOVING_SORTS and self._pinned is None
              and self.path != ":memory:"):
            lease = self._snapshots.open(keep_alive)
        else:
            return self._page(filters, size, after[:4] if after else None, sort)
        # Leased while the page reads it: another call on the same cursor (a retry, a double click, on another read
        # thread) waits its turn, and a close meanwhile (its last page, eviction) waits for this read to end.
        with lease as (held, conn):
            try:
                page = self._reading(conn)._page(filters, size, after[:4] if after else None, sort)
            except BaseException:
                self._snapshots.close(held)
                raise
            if page.next_cursor is None:
                self._snapshots.close(held)
                return page
        return replace(page, next_cursor=_encode_cursor([*_decode_cursor(page.next_cursor), held]))

    def _page(self, filters: Filters, size: int, position: list[Any] | None, sort: SearchSort) -> SearchPage:
        """`search`'s page after `position` ([sort key, rowid, total, exact] of a cursor; None: page one), read
        through `_conn()` (a snapshot's connection on a view)."""
        if (keyed := self._brands_keyed(filters, sort)) is not None:
            return self._brands_page(filters, keyed, size, position, sort)
        key, desc = _SORTS[sort]
        where, params, query = self._where(filters)
        judge = _judge(query)
        source = self._source(filters)
        rowid_col = "m.rowid"
        if key == "m.created_at":
            # In time order through the brand's index when one brand is asked for: a page never collects
            # and sorts the brand's whole history. Same values (created_at, rowid), so the same cursors.
            key, rowid_col = self._time_order(filters)
        op, order = ("<", "DESC") if desc else (">", "ASC")
        after: list[Any] | None = None
        if position:
            # The cursor carries the total counted on page one: deep pages never recount.
            *after, total, exact = position
        else:
            if query is not None and judge is None:
                first = self._first_page(f"FROM {source} WHERE {where}", params, (key, rowid_col, order), size, query)
                if first is not None:
                    return first
            total, exact = self.count_capped(filters, TOTAL_CAP)
        hits: list[Hit] = []
        last_hit: tuple[Any, Any] | None = None
        more = False
        batch = max(size + 1, 200)
        while True:
            cond, args = where, list(params)
            if after is not None:
                cond += f" AND ({key}, {rowid_col}) {op} (?, ?)"
                args += after
            rows = (
                self._conn()
                .execute(
                    f"SELECT m.text, m.lang, m.doc, {key}, {rowid_col}, m.id FROM {source} WHERE {cond} "
                    f"ORDER BY {key} {order}, {rowid_col} {order} LIMIT ?",
                    [*args, batch],
                )
                .fetchall()
            )
            for text, lang, doc, k, rowid, mention_id in rows:
                if judge is not None and not judge(text, lang):
                    continue
                mention = self._read(mention_id, doc)
                if mention is None:
                    continue
                if len(hits) == size:
                    more = True  # a further match exists, so the next page is not empty
                    break
                hits.append(Hit(mention=mention, highlight=_highlight(text, query)))
                last_hit = (k, rowid)
            if more or len(rows) < batch:
                break
            after = [rows[-1][3], rows[-1][4]]
        next_cursor = _encode_cursor([*last_hit, total, exact]) if more and last_hit else None
        return SearchPage(hits=hits, total=total, next_cursor=next_cursor, total_exact=bool(exact))

    @staticmethod
    def _brands_keyed(filters: Filters, sort: SearchSort) -> list[str] | None:
        """The brands whose index ranges `_brands_page` merges for this page, or None for `_page`'s one statement:
        a time-ordered page (newest, oldest, relevance) of several brands (Explore with no brand chosen: every
        configured one) and no text (a text query's FTS matches lead its read)."""
        keyed = brands_sql.key_brands(filters.brand, filters.brands)
        if keyed is None or filters.text or _SORTS[sort][0] != "m.created_at":
            return None
        return keyed[0]

    def _brands_page(self, f: Filters, brands: list[str], size: int, position: list[Any] | None,
                     sort: SearchSort) -> SearchPage:
        """`_page` for `_brands_keyed`: keys merged from each brand's ordered index range (`brand_keys`, the
        filters its rows copy applied inside it), then those rows by rowid under every condition. As one statement
        (rowid IN every brand post, sorted) the first page of 160k posts of two brands took ~500 ms; this reads a
        page's worth of each range. The same hits, order, cursors ([created_at, rowid, total, exact]) and total."""
        desc = _SORTS[sort][1]
        where, params, _ = self._where(f, keyed=True)
        since, until = (None if t is None else _epoch(t) for t in (f.since, f.until))
        lang = None if f.lang is None else (filter_lang(f.lang),)
        cond, args = brands_sql.brand_row_clause(f.source, f.sentiment, lang, f.min_followers, f.include_spam)
        conn = self._conn()
        hits: list[Hit] = []
        last_hit: tuple[Any, Any] | None = None
        more = False
        with _snapshot(conn, shared=self.path == ":memory:"):
            if position:
                *after, total, exact = position  # the total counted on page one: deep pages never recount
                last = (after[0], after[1])
            else:
                total, exact = self._count_brands(f, brands, TOTAL_CAP)
                last = (2**62, 0) if desc else (-(2**62), -1)  # before (after) every stored time
            # Page one knows how many match in all (exact): once all are listed nothing further is, and the rest
            # of the period is not walked for them (a filter on the stored document matching a few posts).
            every = total if exact and not position else None
            batch = max(size + 1, 200)
            while every != 0:
                keys = brands_sql.brand_keys(conn, brands, last, until, batch, since=since, desc=desc, where=cond,
                                             args=args)
                if not keys:
                    break
                rows = _keyed_rows(conn, keys, where, params)
                for k, rowid in keys:
                    if rowid not in rows:
                        continue  # another filter rejects it
                    mention_id, text, _, doc = rows[rowid]
                    mention = self._read(mention_id, doc)
                    if mention is None:
                        continue
                    if len(hits) == size:
                        more = True  # a further match exists, so the next page is not empty
                        break
                    hits.append(Hit(mention=mention, highlight=_highlight(text, None)))
                    last_hit = (k, rowid)
                    if len(hits) == every:
                        break
                if more or len(keys) < batch or len(hits) == every:
                    break
                last = keys[-1]
                batch = min(batch * 2, 4000)  # a rare match further on: fewer, larger reads (bound parameters)
        next_cursor = _encode_cursor([*last_hit, total, exact]) if more and last_hit else None
        return SearchPage(hits=hits, total=total, next_cursor=next_cursor, total_exact=bool(exact))

    def _count_brands(self, f: Filters, brands: list[str], cap: int) -> tuple[int, bool]:
        """`count_capped` of a several-brand filter with no text: the distinct mentions of the brands' rows, the
        other conditions on each row joined, read until `cap` + 1 (46 ms against 4.7 ms on 160k posts of two
        brands: the rowid list of every brand post was built first)."""
        where, params, _ = self._where(f, keyed=True)
        since, until = (None if t is None else _epoch(t) for t in (f.since, f.until))
        ranged, args = brands_sql.joined_clause(brands, since, until)
        n = self._conn().execute(
            f"SELECT count(*) FROM (SELECT DISTINCT fb.mention_rowid FROM {brands_sql.JOINED_FROM} "
            f"WHERE {ranged} AND {where} LIMIT ?)",
            [*args, *params, cap + 1],
        ).fetchone()[0]
        return (cap, False) if n > cap else (n, True)

    def _first_page(
        self, source: str, params: list[Any], ordering: tuple[str, str, str], size: int, query: Query
    ) -> SearchPage | None:
        """Page one of a text query its FTS clause matches exactly (`fts5_exact`), and its total capped at
        TOTAL_CAP, from one ordered read of the matches' keys: the trigram index is searched once, not once
        for the count and again for the page (each search reads every trigram's whole list, the most of either
        read). Then the page's rows, by rowid. Both reads see one snapshot (`_snapshot`). The same page,
        total and cursor as `count_capped` and the page loop of `search`; None, for them to answer, when the
        keys read run out before the page is known (more than TOTAL_CAP matches, the first ones unreadable).

        `source` is "FROM ... WHERE ..." as `search` reads; `ordering` its (key, rowid column, direction)."""
        key, rowid_col, order = ordering
        conn = self._conn()
        with _snapshot(conn, shared=self.path == ":memory:"):
            cur = conn.execute(f"SELECT {key}, {rowid_col} {source} ORDER BY {key} {order}, {rowid_col} {order}",
                               params)
            keys = cur.fetchmany(TOTAL_CAP + 1)
            cur.close()
            total, exact = (TOTAL_CAP, False) if len(keys) > TOTAL_CAP else (len(keys), True)
            hits: list[Hit] = []
            skipped: list[tuple[str, str]] = []
            last_hit: tuple[Any, Any] = (None, None)  # set with the first hit, read only once `size` are in
            for at in range(0, len(keys), size + 1):
                chunk = keys[at : at + size + 1]
                rows = {
                    rowid: (text, doc, mention_id)
                    for rowid, text, doc, mention_id in conn.execute(
                        f"SELECT rowid, text, doc, id FROM mentions WHERE rowid IN ({','.join('?' * len(chunk))})",
                        [rowid for _, rowid in chunk],
                    )
                }
                for k, rowid in chunk:
                    if rowid not in rows:
                        return None  # deleted in between: only where no snapshot holds (the shared in-memory store)
                    text, doc, mention_id = rows[rowid]
                    try:
                        mention = Mention.model_validate_json(doc)
                    except ValueError:
                        skipped.append((mention_id, doc))  # counted once the page is known to be this one's
                        continue
                    if len(hits) == size:  # a further match exists, so the next page is not empty
                        cursor = _encode_cursor([*last_hit, total, exact])
                        page = SearchPage(hits=hits, total=total, next_cursor=cursor, total_exact=bool(exact))
                        return self._skipping(skipped, page)
                    hits.append(Hit(mention=mention, highlight=_highlight(text, query)))
                    last_hit = (k, rowid)
        if not exact:
            return None  # the keys read ran out first: whether a further match exists is not known here
        return self._skipping(skipped, SearchPage(hits=hits, total=total, next_cursor=None, total_exact=True))

    def _skipping(self, skipped: list[tuple[str, str]], page: SearchPage) -> SearchPage:
        """`page`, once the unreadable rows read for it are counted and logged (`_read`), as the page loop does."""
        for mention_id, doc in skipped:
            self._read(mention_id, doc)
        return page

    def histogram(self, filters: Filters, interval: Interval = "hour", tz: str = "UTC") -> list[Bucket]:
        if interval not in _INTERVAL_SECONDS:
            raise ValueError(f"interval must be one of {', '.join(_INTERVAL_SECONDS)}")
        step, local = _bucketing(interval, tz)
        covered = self._covered(filters)
        where, params, query = self._where(filters, covered)
        src = self._source(filters, covered)
        counts: dict[int, dict[str, int]] = {}
        if query is None:
            rows = self._conn().execute(
                f"SELECT {_bucket_sql('m.created_at', step)} AS b, m.sentiment, count(*) FROM {src} "
                f"WHERE {where} GROUP BY b, m.sentiment",
                params,
            )
            for start, label, n in rows:
                counts.setdefault(start, {})[label or "unknown"] = n
        else:
            for _, _, created, label in self._rows(
                f"SELECT m.text, m.lang, m.created_at, m.sentiment FROM {src} WHERE {where}", params, query
            ):
                bucket = counts.setdefault(int(created) // step * step, {})
                bucket[label or "unknown"] = bucket.get(label or "unknown", 0) + 1
        if local:  # quarter hours into the local days they lie in
            days: dict[int, dict[str, int]] = {}
            for slot, by_label in counts.items():
                day = days.setdefault(local_day_of_slot(slot, tz), {})
                for label, n in by_label.items():
                    day[label] = day.get(label, 0) + n
            counts = days
        return [Bucket(start=_from_epoch(start), **counts[start]) for start in sorted(counts)]

    def facet(
        self, filters: Filters, field: Literal["lang", "source", "brand", "sentiment", "spam", "intent", "model"]
    ) -> dict[str, int]:
        if field not in ("lang", "source", "brand", "sentiment", "spam", "intent", "model"):
            raise ValueError(f"cannot facet on '{field}'")
        if field == "spam":
            return self._spam_facet(filters)
        if field == "model" and self._covered(filters):
            return self._brand_model_facet(filters)
        covered = field not in ("brand", "model") and self._covered(filters)
        where, params, query = self._where(filters, covered)
        src = self._source(filters, covered)
        result: dict[str, int] = {}
        if field == "brand":  # a mention counts once per brand it belongs to (share of voice)
            column, source = "b.brand", src + brands_sql.FACET_JOIN
        elif field == "intent":  # from the intent table, as the spam flags are (see `spam_reasons`)
            rowid = "m.mention_rowid" if covered else "m.rowid"
            column, source = "i.intent", f"{src} LEFT JOIN mention_intent i ON i.mention_rowid = {rowid}"
        elif field == "model":  # from the stored document, read through the mentions_model expression index
            column, source = "json_extract(m.doc, '$.sentiment.model')", src
        else:
            column, source = f"m.{field}", src
        if query is None:
            sql = f"SELECT {column}, count(*) FROM {source} WHERE {where} GROUP BY {column}"
            for value, n in self._conn().execute(sql, params):
                result[value or "unknown"] = n
        else:
            sql = f"SELECT m.text, m.lang, {column} FROM {source} WHERE {where}"
            for _, _, value in self._rows(sql, params, query):
                result[value or "unknown"] = result.get(value or "unknown", 0) + 1
        return dict(sorted(result.items(), key=lambda kv: (-kv[1], kv[0])))

    def _brand_model_facet(self, filters: Filters) -> dict[str, int]:
        """`facet(filters, "model")` of one brand's covered view (`_covered`), counted from index ranges instead of
        reading the model from every stored document of the view (the model is in the document only).

        The model values the store holds come from a loose scan of `mentions_model_time` (one seek each), and how
        many mentions of the period (every brand's) each labels from that index alone. The mentions of every value
        but the most frequent are checked one by one against the brand's rows; the most frequent (as a rule most of
        the view) gets the rest of the view's count, so its mentions are never read. One statement, so one
        snapshot: the parts add up while a job writes."""
        where, params, _ = self._where(filters, covered=True)  # m: the brand's mention_brands rows
        bounds, args = "", []
        for op, when in ((">=", filters.since), ("<", filters.until)):
            if when is not None:
                bounds, args = f"{bounds} AND x.created_at {op} ?", [*args, _epoch(when)]
        sql = f"""
            WITH RECURSIVE models(v) AS (
                SELECT (SELECT min({MODEL_SQL}) FROM mentions x)
                UNION ALL
                SELECT (SELECT min({MODEL_SQL}) FROM mentions x WHERE {MODEL_SQL} > models.v)
                FROM models WHERE models.v IS NOT NULL
            ),  -- every model build once, then NULL (the unlabelled mentions)
            sizes(v, n) AS (SELECT v, (SELECT count(*) FROM mentions x WHERE {MODEL_SQL} IS models.v{bounds})
                            FROM models),
            biggest(v) AS (SELECT v FROM sizes ORDER BY n DESC, v LIMIT 1),
            rest(v, n) AS (
                SELECT v, (SELECT count(*) FROM mentions x WHERE {MODEL_SQL} IS sizes.v{bounds} AND EXISTS
                           (SELECT 1 FROM mention_brands m WHERE m.mention_rowid = x.rowid AND {where}))
                FROM sizes WHERE n > 0 AND v IS NOT (SELECT v FROM biggest)
            )
            SELECT v, n, 0 FROM rest
            UNION ALL
            SELECT (SELECT v FROM biggest), (SELECT count(*) FROM mention_brands m WHERE {where}), 1
            ORDER BY 1"""
        rows = self._conn().execute(sql, [*args, *args, *params, *params]).fetchall()
        others = sum(n for _, n, biggest in rows if not biggest)
        result: dict[str, int] = {}
        for value, n, biggest in rows:  # in GROUP BY's order: of two groups named "unknown", the later one counts
            count = n - others if biggest else n
            if count:  # no group for a model none of the view's mentions has, as GROUP BY gives none
                result[value or "unknown"] = count
        return dict(sorted(result.items(), key=lambda kv: (-kv[1], kv[0])))

    def spam_reasons(self, filters: Filters | None) -> dict[str, int]:
        """`facet(filters, "spam")` less its "unknown" count: how many mentions of the view each exclusion
        reason flags (none unless `filters.include_spam`), what `groundswell.spam.excluded` reports on every
        dashboard page. Counted from the flagged rows (`mention_spam`, a small table) joined to the view, not
        by reading every row of the view to look its flag up (a LEFT JOIN from the view, as this once was)."""
        f = filters or Filters()
        if not f.text and (keyed := brands_sql.key_brands(f.brand, f.brands)) is not None:
            return self._spam_reasons_of_brands(f, keyed[0])
        if f.text:
            flagged = self._spam_reasons_of_text(f)
            if flagged is not None:
                return flagged
        covered = self._covered(f)
        where, params, query = self._where(f, covered)
        rowid = "m.mention_rowid" if covered else "m.rowid"  # covered: m is a mention_brands row
        narrowed = (f.brand, f.since, f.until, f.theme, f.intent) != (None,) * 5 or bool(f.brands or f.text)
        if not narrowed:
            # No index narrows the view (no brand, time, text, theme or intent): it would be a scan of every
            # mention (then `m` is the mentions table), so start from the flags, always. CROSS JOIN fixes that
            # order: without planner statistics (a store never ANALYZEd) SQLite would scan the mentions first.
            # The flags come in rowid order, so the mentions they look up are read in that order too, and
            # never more of them than a scan would read.
            source = "mention_spam x CROSS JOIN mentions m ON m.rowid = x.mention_rowid"
        else:
            # An index range narrows the view (one brand's, a time window's, the text's matches): the planner
            # starts from whichever its statistics say is the smaller, that range or the flags (without
            # statistics, from the range: never more than the view's own rows, as before).
            source = f"{self._source(f, covered)} JOIN mention_spam x ON x.mention_rowid = {rowid}"
        result: dict[str, int] = {}
        if query is None:
            rows: Iterable[tuple[Any, ...]] = self._conn().execute(
                f"SELECT x.reason, count(*) FROM {source} WHERE {where} GROUP BY x.reason", params
            )
        else:
            rows = ((reason, 1) for _, _, reason in self._rows(
                f"SELECT m.text, m.lang, x.reason FROM {source} WHERE {where}", params, query
            ))
        for reason, n in rows:
            result[reason or "unknown"] = result.get(reason or "unknown", 0) + n
        return dict(sorted(result.items(), key=lambda kv: (-kv[1], kv[0])))

    def _spam_reasons_of_brands(self, f: Filters, brands: list[str]) -> dict[str, int]:
        """`spam_reasons` of a several-brand view with no text (Explore with no brand chosen, every search page):
        each flagged row looked up in the brands' rows (`member_clause`, primary-key probes), never the list of every
        post of the brands built first: that took 67-109 ms of a 160k store's search page with no post flagged."""
        where, params, _ = self._where(f, keyed=True)
        member, args = brands_sql.member_clause(brands)
        if (f.since, f.until, f.theme, f.intent) == (None,) * 4:  # nothing narrows: from the flags, as `spam_reasons`
            source = "mention_spam x CROSS JOIN mentions m ON m.rowid = x.mention_rowid"
        else:  # the planner starts from the smaller of the period's (theme's, intent's) rows and the flags
            source = "mentions m JOIN mention_spam x ON x.mention_rowid = m.rowid"
        result: dict[str, int] = {}
        for reason, n in self._conn().execute(
            f"SELECT x.reason, count(*) FROM {source} WHERE {member} AND {where} GROUP BY x.reason", [*args, *params]
        ):
            result[reason or "unknown"] = result.get(reason or "unknown", 0) + n
        return dict(sorted(result.items(), key=lambda kv: (-kv[1], kv[0])))

    def _spam_reasons_of_text(self, f: Filters) -> dict[str, int] | None:
        """`spam_reasons` of a view with a text query, from the view's flagged rows without the text (a few, as a
        rule) judged by the exact matcher; None when there are more than TEXT_SPAM_DIRECT of them (the caller
        filters on the text in SQL then). With the text clause in the SQL, SQLite builds the query's whole hit
        list over the store first (a second trigram search on a search page, after the page's own), even when
        no flagged post is in view. The matcher is the judge the FTS prefilter only narrows for, so the count
        is the same."""
        query = self._where(f)[2]
        base = f.replace(text=None)
        where, params, _ = self._where(base)
        narrowed = (base.brand, base.since, base.until, base.theme, base.intent) != (None,) * 5 or bool(base.brands)
        if narrowed:  # as in `spam_reasons`: the planner starts from the smaller of the view's range and the flags
            source = f"{self._source(base)} JOIN mention_spam x ON x.mention_rowid = m.rowid"
        else:
            source = "mention_spam x CROSS JOIN mentions m ON m.rowid = x.mention_rowid"
        rows = self._conn().execute(
            f"SELECT m.text, m.lang, x.reason FROM {source} WHERE {where} LIMIT ?", [*params, TEXT_SPAM_DIRECT + 1]
        ).fetchall()
        if len(rows) > TEXT_SPAM_DIRECT:
            return None
        result: dict[str, int] = {}
        for text, lang, reason in rows:
            if query.matches(text, lang):
                result[reason or "unknown"] = result.get(reason or "unknown", 0) + 1
        return dict(sorted(result.items(), key=lambda kv: (-kv[1], kv[0])))

    def _spam_facet(self, filters: Filters | None) -> dict[str, int]:
        """The facet on "spam": the flagged mentions of the view by reason (`spam_reasons`), and as "unknown"
        the view's unflagged ones, which is the view's count with spam left out."""
        f = filters or Filters()
        result = self.spam_reasons(f) if f.include_spam else {}
        unflagged = self.count(f.replace(include_spam=False))
        if unflagged:
            result["unknown"] = result.get("unknown", 0) + unflagged
        return dict(sorted(result.items(), key=lambda kv: (-kv[1], kv[0])))

    def top_themes(self, filters: Filters, n: int = 10) -> list[ThemeCount]:
        where, params, query = self._where(filters)
        src = self._source(filters)
        # Named brands: their own theme rows only, never another brand's of a shared post (indexing/theme_rows.py).
        join, join_params = themes_sql.rows_join(selected_brands(filters.brand, filters.brands))
        themes: dict[str, ThemeCount] = {}
        rows = self._conn().execute(
            f"SELECT m.text, m.lang, t.theme, m.sentiment FROM {src} {join} WHERE {where}",
            [*join_params, *params],
        )
        for text, lang, theme, label in rows:
            if query is not None and not query.matches(text, lang):
                continue
            entry = themes.setdefault(theme, ThemeCount(theme=theme, count=0))
            entry.count += 1
            key = label or "unknown"
            entry.sentiment[key] = entry.sentiment.get(key, 0) + 1
        return sorted(themes.values(), key=lambda t: (-t.count, t.theme))[:n]

    def theme_histogram(
        self, filters: Filters, themes: Iterable[str], interval: Interval = "day", tz: str = "UTC"
    ) -> dict[str, dict[datetime, int]]:
        if interval not in _INTERVAL_SECONDS:
            raise ValueError(f"interval must be one of {', '.join(_INTERVAL_SECONDS)}")
        wanted = list(dict.fromkeys(themes))
        if not wanted:
            return {}
        step, local = _bucketing(interval, tz)
        where, params, query = self._where(filters)
        marks = ", ".join("?" * len(wanted))
        join, join_params = themes_sql.rows_join(selected_brands(filters.brand, filters.brands))
        sql = (
            f"SELECT m.text, m.lang, t.theme, {_bucket_sql('m.created_at', step)} "
            f"FROM {self._source(filters)} {join} WHERE {where} AND t.theme IN ({marks})"
        )
        out: dict[str, dict[datetime, int]] = {}
        for text, lang, theme, start in self._conn().execute(sql, [*join_params, *params, *wanted]):
            if query is not None and not query.matches(text, lang):
                continue
            series = out.setdefault(theme, {})
            when = _from_epoch(local_day_of_slot(start, tz) if local else start)
            series[when] = series.get(when, 0) + 1
        return {theme: dict(sorted(series.items())) for theme, series in out.items()}

    def top_authors(self, filters: Filters, n: int = 10) -> list[AuthorStat]:
        """Authors by the engagement their own posts earned (`core.mention.own_engagement`: a repost's counts are
        the original's, never the reposter's), then mentions, then handle."""
        # Not the brand index alone (`_covered`): telling a repost needs the stored document's text and extra.
        where, params, query = self._where(filters)
        src = self._source(filters)
        if query is not None:
            stats: dict[tuple[str, str], AuthorStat] = {}
            for _, _, handle, source, eng, fol in self._rows(
                f"SELECT m.text, m.lang, m.author_handle, m.source, {_OWN_ENGAGEMENT}, m.author_followers "
                f"FROM {src} WHERE {where} AND m.author_handle IS NOT NULL",
                params,
                query,
            ):
                s = stats.setdefault((handle, source), AuthorStat(handle, source, 0, 0, 0))
                s.mentions += 1
                s.engagement += eng
                s.followers = max(s.followers, fol)
            return sorted(stats.values(), key=lambda a: (-a.engagement, -a.mentions, a.handle))[:n]
        rows = self._conn().execute(
            f"SELECT m.author_handle, m.source, count(*), total({_OWN_ENGAGEMENT}) AS eng, max(m.author_followers) "
            f"FROM {src} WHERE {where} AND m.author_handle IS NOT NULL "
            f"GROUP BY m.author_handle, m.source ORDER BY eng DESC, count(*) DESC, m.author_handle "
            f"LIMIT ?",
            [*params, n],
        )
        return [
            AuthorStat(handle=h, source=s, mentions=c, engagement=int(e or 0), followers=f or 0)
            for h, s, c, e, f in rows
        ]

    def significant_terms(self, foreground: Filters, background: Filters, n: int = 10) -> list[tuple[str, float]]:
        fg = (m.text for m in _limited(self.iter_mentions(foreground), 5000))
        bg = (m.text for m in _limited(self.iter_mentions(background), 20000))
        return significant_terms(fg, bg, n=n)

    # -- state -----------------------------------------------------------------------------------
    def get_state(self, key: str) -> str | None:
        row = self._conn().execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str) -> None:
        with self._write_lock:
            self._conn().execute(
                "INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (key, value, time.time()),
            )

    def get_states(self, keys: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(keys))
        out: dict[str, str] = {}
        for start in range(0, len(wanted), 500):  # stay under SQLite's bound-parameter limit
            part = wanted[start : start + 500]
            marks = ",".join("?" * len(part))
            out.update(self._conn().execute(f"SELECT key, value FROM state WHERE key IN ({marks})", part).fetchall())
        return out

    def set_states(self, items: Mapping[str, str]) -> None:
        if not items:
            return
        now = time.time()
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    [(key, value, now) for key, value in items.items()],
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def state_items(self, prefix: str) -> dict[str, str]:
        """All state entries whose key starts with `prefix` (e.g. every stored alert)."""
        upper = _prefix_end(prefix)
        sql, args = "SELECT key, value FROM state WHERE key >= ?", [prefix]
        if upper is not None:
            sql, args = sql + " AND key < ?", [*args, upper]
        return dict(self._conn().execute(sql + " ORDER BY key", args).fetchall())

    def delete_state(self, keys: Iterable[str]) -> int:
        """Delete these state keys; return how many existed."""
        keys = list(keys)
        with self._write_lock:
            conn = self._conn()
            deleted = 0
            for start in range(0, len(keys), 500):  # stay under SQLite's bound-parameter limit
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                deleted += conn.execute(f"DELETE FROM state WHERE key IN ({marks})", chunk).rowcount
            return deleted

    def claim(self, key: str, owner: str, expires_at: datetime) -> bool:
        """`StateStore.claim`: read and written in one BEGIN IMMEDIATE transaction, which holds SQLite's write lock
        (other processes included) from the read on, so of two racing callers the second sees the first's claim."""
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
                free = claim_free(row[0] if row else None, owner, datetime.now(UTC))
                if free:
                    conn.execute(
                        "INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE "
                        "SET value = excluded.value, updated_at = excluded.updated_at",
                        (key, claim_value(owner, expires_at), time.time()),
                    )
                conn.execute("COMMIT")
                return free
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def release(self, key: str, owner: str) -> bool:
        """`StateStore.release`: deleted only while `owner` holds it, in one transaction."""
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
                mine = row is not None and claim_owner(row[0]) == owner
                if mine:
                    conn.execute("DELETE FROM state WHERE key = ?", (key,))
                conn.execute("COMMIT")
                return mine
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # -- maintenance -----------------------------------------------------------------------------
    def delete_older_than(self, cutoff: datetime) -> int:
        with self._write_lock:
            cur = self._conn().execute("DELETE FROM mentions WHERE created_at < ?", (_epoch(cutoff),))
        self.checkpoint()
        return cur.rowcount

    def delete_ids(self, ids: Iterable[str]) -> int:
        """Delete these mentions by id; the FTS row goes with each (trigger `mentions_ad`) and the side tables'
        rows by their foreign keys (ON DELETE CASCADE), as in `delete_older_than`. One transaction."""
        wanted = sorted(set(ids))
        deleted = 0
        with self._write_lock:
            conn = self._conn()
            # An erasure: the freed pages are overwritten with zeros, not left holding the text until a VACUUM.
            secure = conn.execute("PRAGMA secure_delete").fetchone()[0]
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute("BEGIN IMMEDIATE")
            try:
                for start in range(0, len(wanted), 500):  # stay under SQLite's bound-parameter limit
                    part = wanted[start : start + 500]
                    marks = ",".join("?" * len(part))
                    deleted += conn.execute(f"DELETE FROM mentions WHERE id IN ({marks})", part).rowcount
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                conn.execute(f"PRAGMA secure_delete={int(secure)}")
        self.checkpoint()  # the zeroed pages reach the store file now, and the WAL copy of them goes
        return deleted

    def rename_brand(self, old: str, new: str, ids: Iterable[str]) -> int:
        """`indexing.base.RenamesBrands`: the mentions of `ids` naming `old` rewritten whole with `new` in its place
        (`renamed_brand`), their brand and theme rows with them; one transaction, so nobody's write lands between
        the read and the write. A stored copy this version cannot read is left as it is."""
        wanted = sorted(set(ids))
        renamed = 0
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                stored, _ = self._stored_for_write(conn, wanted)
                for mention in stored.values():
                    after = renamed_brand(mention, old, new)
                    if after is not mention:
                        self._write_one(conn, after)
                        renamed += 1
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        self.checkpoint()
        return renamed

    def vacuum(self) -> dict[str, Any]:
        """Reclaim space and refresh the planner's statistics (the maintenance job calls this). Returns the store
        file's size before and after (what `maintain` prints as `vacuum`; an in-memory store has none)."""
        before = None if self.path == ":memory:" else _size(self.path)
        with self._write_lock:
            conn = self._conn()
            conn.execute("INSERT INTO mentions_fts(mentions_fts) VALUES ('optimize')")  # merge FTS segments
            conn.execute("PRAGMA optimize")
            conn.execute("VACUUM")
        self.checkpoint()  # in WAL mode VACUUM writes the whole rebuilt store into the WAL first
        after = None if self.path == ":memory:" else _size(self.path)
        return {"vacuumed": True, "bytes_before": before, "bytes_after": after}


def _size(path: str) -> int:
    """A file's size; 0 when there is none (a WAL another connection's close just removed included)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _prefix_end(prefix: str) -> str | None:
    """The least string above every string starting with `prefix`, or None when there is none (only
    U+10FFFF characters, or ''): the keys starting with `prefix` are exactly those in [prefix, end), one
    index range. SQLite compares text as UTF-8 bytes, which orders like code points, so the end is the
    prefix with its last character raised by one (U+10FFFF cannot be raised: drop it, raise the one before)."""
    stem = prefix.rstrip("\U0010ffff")
    if not stem:
        return None
    nxt = ord(stem[-1]) + 1
    if 0xD800 <= nxt <= 0xDFFF:  # surrogates are not characters UTF-8 can hold; U+E000 follows U+D7FF there
        nxt = 0xE000
    return stem[:-1] + chr(nxt)


@contextmanager
def _snapshot(conn: sqlite3.Connection, shared: bool) -> Iterator[None]:
    """Run the reads inside in one read transaction, so they see one snapshot of the store: a write committed
    between them (another connection, WAL) is seen by all or none. Not inside a caller's transaction (already
    one snapshot), nor on the in-memory store's connection, which every thread shares (a BEGIN there would
    make another thread's write fail; nothing else writes that store's data)."""
    if shared or conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")  # read-only: nothing to keep or lose


def _bucket_sql(column: str, step: int) -> str:
    """SQL for the start of the `step`-second bucket a time (epoch seconds) lies in, rounding down as Python's `//`
    and Elasticsearch do: SQLite's integer division rounds toward zero, which put a post of 1969-12-31 23:30 in
    the hour of 1970-01-01 00:00 (any time before 1970 one bucket late)."""
    t = f"CAST({column} AS INTEGER)"
    return f"({t} - (({t} % {step}) + {step}) % {step})"


def _keyed_rows(
    conn: sqlite3.Connection, keys: list[tuple[Any, Any]], where: str, params: list[Any]
) -> dict[int, tuple[str, str, str | None, str]]:
    """The rows of `keys` ((time, rowid) pairs merged from the brands' index ranges, `brands_sql.brand_keys`) that
    `where` also keeps, by rowid: (id, text, lang, doc). A key missing from the answer is a row another condition
    rejects (or one deleted since the keys were read)."""
    return {
        rowid: (mention_id, text, lang, doc)
        for rowid, mention_id, text, lang, doc in conn.execute(
            f"SELECT m.rowid, m.id, m.text, m.lang, m.doc FROM mentions m "
            f"WHERE m.rowid IN ({','.join('?' * len(keys))}) AND {where}",
            [*(rowid for _, rowid in keys), *params],
        )
    }

def _judge(query: Query | None) -> Callable[[str, str | None], bool] | None:
    """The exact matcher rows from `SqliteStore._where` still need, or None when they need none: no text query,
    or one its FTS clause matches exactly (`sqlite_query.fts5_exact`: the rows SQL returns are the matches), once
    the `lang:` conjuncts `_where` decides in SQL are left out (`split_langs`)."""
    if query is None:
        return None
    rest = split_langs(query)[1]
    if rest is None or fts5_exact(rest):
        return None
    return rest.matches


def _unreadable(exc: Exception) -> None:
    """`UnreadableDocs.read`'s loader for a row already found unreadable: raises its error as a ValueError."""
    raise ValueError(str(exc)) from exc


def _limited(it: Iterator[Mention], n: int) -> Iterator[Mention]:
    for i, item in enumerate(it):
        if i >= n:
            return
        yield item


def _encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _decode_cursor(cursor: str) -> list[Any]:
    """[sort key, rowid, total, exact] from a cursor this store handed out, and the id of the snapshot its pages
    read as a fifth value when it names one (`search`)."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if (isinstance(value, list) and len(value) in (4, 5) and all(isinstance(v, int | float) for v in value)
                and (len(value) == 4 or isinstance(value[4], int))):
            return value
    except (ValueError, TypeError):
        pass
    raise ValueError("invalid page cursor: use the next_cursor value of the previous page")


def _highlight(text: str, query: Any, width: int = 240) -> str:
    """HTML-escaped snippet with what the query matched in <mark> (by matching's own rules) and the shortening
    rule every store shares (`indexing.snippet`)."""
    return snippet(text, query_spans(text, query), width)
