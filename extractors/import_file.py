"""Import mentions from JSONL or CSV exports (backfills, other tools' exports, the demo corpus).

JSONL lines are Mention-shaped objects (`id` optional; `source` defaults to the
option). CSV files use flat columns: `source, native_id, url, text, created_at,
author_id, author_handle, author_followers, likes, reposts, replies, quotes, lang`. A CSV export of the dashboard
(`id, source, url, created_at, brands, ..., engagement, ..., text`) reads back as the mentions it holds: ids, texts,
times, authors, URLs and brands (each cell without the `'` the export's formula guard put before it:
`core.escaping.csv_value`); its `engagement` column is only their total (kept as `extra.exported_engagement`:
likes, reposts, replies and quotes are not in the file), and its sentiment, theme and spam columns are the steps'
to give again, not read.
A bad line is skipped with its line number and reason; the rest still imports. Any
encoding is read (`extractors.textfile`: UTF-8 with or without a BOM, others by chardet).
Timestamps written without a zone are read in the `timezone` option's zone (UTC without it).

The cursor is the lines done and, to resume without reading them again, a byte offset and a hash of the bytes just
before it (`_Pass.resume`, `_verified_start`): a file unchanged up to there was appended to, or not at all, and is
read from there on; one shorter, or changed before it, is read anew. UTF-16/32 files have no byte offsets here and
are read from the start, lines up to the cursor passed over.

Writers must end every line (the last one too) with a newline. A file may be read while it is
still being appended to, so a last line without one may be half written: the cursor never moves
past it. If it reads as a whole row it is imported (a rerun reads it again and stores it under the
same id); if not, it is left for the next run, unreported.

The cursor moves past a row skipped as malformed, but remembers it (`_Cursor.retry`): every run reads
it again, quietly, and imports it once it is fixed in place. Reporting it once is enough; re-reading
the rest of the file after it on every run (stopping the cursor there) would cost every run the
whole tail of a large file. Only past RETRY_KEPT remembered rows does the cursor stop at a bad row.

Rows skipped the same way: one longer than MAX_ROW_BYTES (read through, never held) and, in CSV, lines a stray
quote ran together (read strictly, and `_swallowed`).

Rows skipped for what they say, not how they are written, are reported the same way (counted, named once per run)
but never remembered (`_Read.final`): one dated implausibly (extractors/plausible.py: before 2000, or in the future
by the rule every source shares: a wrong clock, not a post still to come), and one naming only brands the config
does not have. Reading them again would change nothing, and remembered they filled RETRY_KEPT: an agency export
with 1,005 other clients' rows stopped the cursor for good. A brand added to the config later has its own cursor
and reads the file from the start; a date fixed in place is read again by an explicit range (`--since/--until`).
Such rows are well formed: they never make the source fail as a file of which no row reads. A pass whose new rows
all name unconfigured brands logs one warning that says so.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
import weakref
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, TypeAdapter, ValidationError, field_validator

from core.escaping import csv_value
from core.mention import Mention, load_mention, split_id
from core.query import Query, parse
from core.time import check_zone
from extractors.base import Batch, Extractor, Selector, SourceError, SourceOptions, Window, matching
from extractors.plausible import implausible_date
from extractors.textfile import Line, read_lines

log = logging.getLogger("groundswell.extractors.import_file")
# The cursor is tied to a hash of the file's start, at most this much of it: enough to tell exports apart.
FINGERPRINT_BYTES = 65536
# And its byte offset to a hash of the bytes just before it, this many: any edit there, or before it that moves it.
TAIL_BYTES = 4096
# Rows skipped as malformed that a cursor remembers to retry. A file with more is read with the wrong `format`
# or columns, or is no export: the cursor then stops at the next bad row (and the run says so), losing nothing.
RETRY_KEPT = 1000
# Line numbers a log line names (of the rows earlier runs skipped that are still bad).
NAMED_LINES = 5
# The most bytes one row may span, in either format (line endings included): a longer row is skipped with its
# size, read through without being held (one 50 MB JSONL line cost 3.8 GB of memory). It is csv's own field limit
# (`csv.field_size_limit()`, 131,072 characters), so no CSV field can reach that before its row reaches this.
MAX_ROW_BYTES = 131_072
_FLAT_AUTHOR = {"author_id": "id", "author_handle": "handle", "author_name": "name", "author_followers": "followers"}
_FLAT_ENGAGEMENT = ("likes", "reposts", "replies", "quotes")
# Columns of Groundswell's own CSV export (dashboards/web/export.py `CSV_COLUMNS`) that the steps of collection
# give again (sentiment, themes, spam, reach from the author): read back, they are left out, not a row refused.
_EXPORT_DERIVED = ("sentiment", "sentiment_by", "reach", "themes", "spam", "own")
# Columns every version of that export has had and a flat CSV has not (its `native_id`, its counts): a header with
# all of them is Groundswell's own export, whose every cell went through `core.escaping.csv_cell`.
_OWN_EXPORT = frozenset({"id", "text", "sentiment", "engagement", "reach", "themes"})
# The export's `engagement` column: the total of the counts, not which ones (kept in `extra` under this name).
EXPORTED_ENGAGEMENT = "exported_engagement"
_TIMESTAMPS = ("created_at", "collected_at")
# One warning per file and run for local times a DST change makes ambiguous or impossible (`_zoned`).
_DST_WARNING = {
    "repeated": "%s: %d timestamp(s) fall in an hour that %s repeats when clocks go back: stored as its first pass "
                "(the offset before the change); a post from the second pass is an hour later than stored: "
                "check them: %s",
    "skipped": "%s: %d timestamp(s) name a time that never existed in %s (clocks went forward): read with the "
               "offset before the change, an hour later than written: %s",
}
_DATETIME = TypeAdapter(datetime)
# What each run has reported, per opened store (a run opens its store once: the CLI, each Airflow task): the
# file is read once per brand, and a bad row is one problem, not one per brand.
_REPORTED: weakref.WeakKeyDictionary[Any, set[tuple[Any, ...]]] = weakref.WeakKeyDictionary()


class ImportOptions(SourceOptions):
    path: str = Field(min_length=1, description="JSONL or CSV file to read")
    format: Literal["auto", "jsonl", "csv"] = "auto"
    source: str = Field(default="import", description="Source name for rows that carry none")
    batch_size: int = Field(default=500, ge=1, le=100_000)
    timezone: str | None = Field(
        default=None, description="IANA time zone (Europe/Paris) of timestamps written without one; default UTC"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)  # the one rule (a region such as `Europe` too)


def _csv_row_to_record(row: dict[str, str], own_export: bool = False) -> dict[str, Any]:
    """A CSV row as a Mention-shaped record, its cells stripped. `own_export`: the file is Groundswell's own export
    (`_OWN_EXPORT`), whose cells lose the quote the formula guard put before them (`csv_value`) and whose `text`
    is read exactly as written: `'@lumora hi` is `@lumora hi` again, the text the post was stored with (a text
    changed is an edited post, whose labels, people's corrections included, are dropped). Another tool's file is
    read as it is written."""
    record: dict[str, Any] = {}
    author: dict[str, Any] = {}
    engagement: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, str):
            if not own_export:
                value = value.strip()
            else:
                value = csv_value(value) if key == "text" else csv_value(value.strip()).strip()
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key in _FLAT_AUTHOR:
            author[_FLAT_AUTHOR[key]] = value
        elif key in _FLAT_ENGAGEMENT:
            engagement[key] = value
        elif key in _EXPORT_DERIVED:
            continue
        elif key == "engagement" and isinstance(value, str) and value.isdigit():
            # A CSV export's total: which counts made it is not in the file, so none is invented.
            record["extra"] = {EXPORTED_ENGAGEMENT: int(value)}
        else:
            record[key] = value
    if author:
        record["author"] = author
    if engagement:
        record["engagement"] = engagement
    return record


@dataclass
class _Cursor:
    """Where a run resumes: lines done, the rows skipped as malformed to retry (first line -> last line), and
    whether any row of the file ever read well under these options (if none did, the options are wrong)."""

    line: int = 0
    retry: dict[int, int] = field(default_factory=dict)
    good: bool = False
    # Where the next run may begin reading (`_Pass.resume`): (the line before, its byte offset), and the hash of the
    # TAIL_BYTES before that offset, which tells whether the bytes before it are still the ones read.
    at: tuple[int, int] | None = None
    tail: str | None = None


@dataclass
class _Pass:
    """One brand's read of the file: the cursor it builds as it goes, and what it has to say at the end."""

    saved: _Cursor
    line: int = 0
    retry: dict[int, int] = field(default_factory=dict)  # rows skipped this run (new or again)
    unvisited: set[int] = field(default_factory=set)  # remembered rows not read again yet
    good: bool = False
    foreign: dict[str, None] = field(default_factory=dict)  # the unconfigured brands new rows named (in order)
    foreign_rows: int = 0  # new rows skipped for naming only those
    other_rows: int = 0  # new rows read that did not (imported, another brand's, skipped for anything else)
    still_bad: list[int] = field(default_factory=list)
    fixed: int = 0
    naive: int = 0
    dst: dict[str, list[str]] = field(default_factory=dict)  # "repeated"/"skipped" -> the local times, as read
    first_reason: str | None = None
    began: tuple[int, int] = (0, 0)  # where this run began reading: the line before, its byte offset
    line_end: int | None = None  # the byte offset just past `line` (None until known)
    starts: dict[int, int | None] = field(default_factory=dict)  # this run's skipped rows: first line -> byte

    def __post_init__(self) -> None:
        self.line, self.good, self.unvisited = self.saved.line, self.saved.good, set(self.saved.retry)
        self._starts = sorted(self.saved.retry)

    def remembered(self, row: Row) -> int | None:
        """The remembered bad row (its first line) that `row`, a row before the cursor, is or is part of."""
        i = bisect_right(self._starts, row.first) - 1
        if i >= 0 and row.first <= self.saved.retry[self._starts[i]]:
            return self._starts[i]
        return None

    def spans(self) -> dict[int, int]:
        return {**{n: self.saved.retry[n] for n in self.unvisited}, **self.retry}

    def skipped(self, row: Row, reasons: list[str]) -> None:
        self.retry[row.first] = row.last
        self.starts[row.first] = row.start
        self.first_reason = self.first_reason or reasons[0]

    def resume(self) -> tuple[int, int] | None:
        """Where the next run may begin reading (the line before, its byte offset): the earliest of the cursor's
        line end and the starts of the rows to retry, each as read this run; where this run began while some
        remembered row is not read again yet; None where a byte offset is unknown (a UTF-16/32 file: read from
        the start every run, as every run did before)."""
        if self.unvisited:
            return self.began
        points = [(self.line, self.line_end), *((first - 1, self.starts.get(first)) for first in self.retry)]
        if any(offset is None for _, offset in points):
            return None
        return min(points, key=lambda point: point[1])  # type: ignore[arg-type,return-value]

    def cursor(self, handle: BinaryIO, head: bytes, read_as: str) -> str:
        """The cursor to save; `handle`: the file as this run opened it (its offset's hash is of the bytes read)."""
        retry = sorted(self.spans().items())
        at = self.resume()
        return json.dumps({"line": self.line, "file": _digest(head), "bytes": len(head), "read_as": read_as,
                           "retry": [list(span) for span in retry], "good": self.good,
                           "at": list(at) if at else None, "tail": _tail(handle, at[1]) if at else None})


class ImportExtractor(Extractor[ImportOptions]):
    """Reads a local export file; the cursor is the number of lines already imported (and the bad rows to retry),
    with the byte offset the next run may resume at."""

    type = "import"
    Options = ImportOptions
    keeps_item_sources = True  # a row keeps the platform it came from (`source`), the option only fills a gap

    def _format(self, path: Path) -> str:
        opts = self.options
        if opts.format != "auto":
            return opts.format
        return "csv" if path.suffix.lower() in (".csv", ".tsv") else "jsonl"

    def _read_as(self, path: Path) -> str:
        """The options that change how rows read (and the ids of rows without a source). A cursor made under
        others is not this reading of the file: it is read again from the start (stable ids: nothing doubles).
        An option added that changes how rows read belongs here."""
        opts = self.options
        return _digest(json.dumps([self._format(path), opts.source, opts.timezone]).encode())

    def _legacy_read_as(self, path: Path) -> str:
        """`_read_as` as every version before it read a file: its `format` and `source`, timestamps without a zone
        as UTC (no `timezone` option yet). A cursor they saved is kept only when that is today's reading."""
        return _digest(json.dumps([self._format(path), self.options.source, None]).encode())

    @cached_property
    def _zone(self) -> tzinfo | None:
        return ZoneInfo(self.options.timezone) if self.options.timezone else None

    def _start(
        self, path: Path, handle: BinaryIO, began: tuple[int, int]
    ) -> tuple[tuple[int, int], _CsvHead | None]:
        """Where to begin reading (the line before, its byte offset), and for a CSV file begun after its start,
        its header (read from the start: the cursor's hash of the file's head vouches for it). The start when the
        header is not wholly before that point."""
        if began[1] == 0 or self._format(path) != "csv":
            return began, None
        head = _csv_head(read_lines(path, max_bytes=MAX_ROW_BYTES, handle=handle))
        if head.names is None or head.line > began[0]:
            return (0, 0), None
        return began, head

    def _records(
        self, path: Path, handle: BinaryIO, began: tuple[int, int] = (0, 0), head: _CsvHead | None = None
    ) -> Iterator[Row]:
        """Every data row of the file (`handle`) from byte `began[1]` (line `began[0]` + 1) on, with its line
        numbers; bad rows carry an error instead of a record."""
        lines = read_lines(path, max_bytes=MAX_ROW_BYTES, start=began[1], first=began[0] + 1, handle=handle)
        yield from (_csv_rows(lines, head, began[0]) if self._format(path) == "csv" else _jsonl_rows(lines))

    def _first_report(self, key: tuple[Any, ...]) -> bool:
        """Whether this run has not yet reported `key` (for any brand); remember that it now has."""
        try:
            seen = _REPORTED.setdefault(self.state, set())
        except TypeError:  # a state object without weak references: report every time
            return True
        if key in seen:
            return False
        seen.add(key)
        return True

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:
        path = Path(self.options.path)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise SourceError(f"import file not found: {path}") from None
        # Opened once: the head, the rows and the hash saved with each cursor all come from this one file, even if
        # it is moved away (logrotate) or replaced (an exporter's atomic rename) while the run reads it.
        with handle:
            if not handle.seekable():
                # A pipe (a FIFO an exporter writes into) has no offsets to resume from or hash: read it to its
                # end, as a file's head was read before the byte-offset cursor, then go through it as a file.
                yield from self._extract(path, io.BytesIO(handle.read()), brand, query, cursor, window)
                return
            yield from self._extract(path, handle, brand, query, cursor, window)

    def _extract(
        self, path: Path, handle: BinaryIO, brand: str, query: str, cursor: str | None, window: Window
    ) -> Iterator[Batch]:
        opts = self.options
        matcher = parse(query)
        # The future-date rule every source shares (its clock: this run's), see extractors/plausible.py.
        dates = Selector(self.type, brand, query, window, lang_of=self.lang_of)
        head = _file_head(handle)
        read_as = self._read_as(path)
        # An explicit range (a backfill) re-reads the file and leaves the cursor alone: lines outside it must stay
        # importable by a later range. A run that follows cursors reads on from its cursor, whatever its interval
        # (Airflow's 15 minutes): exports are late, a row appended now is often dated earlier.
        windowed = not window.follows_cursor and (window.since is not None or window.until is not None)
        wanted = window if windowed else Window()
        run = _Pass(_Cursor() if windowed else _load_cursor(cursor, head, read_as, self._legacy_read_as(path)))
        began = _verified_start(handle, run.saved)
        if began is None:  # the bytes before where it stopped changed (rewritten, truncated): read anew
            run, began = _Pass(_Cursor()), (0, 0)
        began, csv_head = self._start(path, handle, began)
        run.began = began
        run.line_end = began[1] if began[0] == run.line else (0 if run.line == 0 else None)
        ident = (self.source_key, str(path.resolve()), _digest(head), read_as)
        batch: list[Mention] = []
        skipped: list[str] = []
        pending, overflow = 0, None
        for row in self._records(path, handle, began, csv_head):
            if row.last == run.line:
                run.line_end = row.end
            again = run.remembered(row) if row.last <= run.line else None
            if row.last <= run.line and again is None:
                continue
            where = f"{path.name} line {row.first}"
            stamps = _Stamps()
            read = self._read_row(row, brand, query, wanted, matcher, where, stamps, dates)
            mention, reasons = read.mention, read.reasons
            if again is not None:
                # Reported when first skipped: read again quietly, imported once fixed in place.
                run.unvisited.discard(again)
                if reasons and read.final:
                    continue  # skipped for what it says (a cursor saved before `final`): forgotten, not retried
                if reasons:
                    run.skipped(row, reasons)
                    run.still_bad.append(row.first)
                    continue
                run.fixed += 1
            elif row.open_end and reasons:
                # Most likely still being written: the next run reads it whole. Not a bad line (yet).
                log.info("%s: no newline at the end and no whole row so far; left for the next run", where)
                continue
            elif reasons:
                if not read.final:
                    if not windowed and len(run.spans()) >= RETRY_KEPT:
                        overflow = reasons[0]  # the cursor stays before it: nothing after it is lost
                        break
                    run.skipped(row, reasons)
                if self._first_report(("row", *ident, row.first)):
                    skipped += reasons
            if again is None:
                if read.foreign:
                    run.foreign.update(dict.fromkeys(read.foreign))
                    run.foreign_rows += 1
                else:
                    run.other_rows += 1
            # A last line without a newline may still grow: import it, but keep the cursor before it.
            if not (row.open_end or again is not None):
                run.line, run.line_end = row.last, row.end
            run.good = run.good or read.final or not reasons
            if (stamps.naive or stamps.dst) and self._first_report(("naive", *ident, row.first)):
                run.naive += len(stamps.naive)
                for kind, text in stamps.dst:
                    run.dst.setdefault(kind, []).append(text)
            if mention is not None:
                batch.append(mention)
            pending += 1
            if pending >= opts.batch_size:
                yield Batch(batch, cursor=None if windowed else run.cursor(handle, head, read_as), skipped=skipped)
                batch, skipped, pending = [], [], 0
        yield Batch(batch, cursor=None if windowed else run.cursor(handle, head, read_as), skipped=skipped)
        self._say(path, run, ident)
        if overflow is not None:
            raise SourceError(
                f"{path.name}: more than {RETRY_KEPT} rows skipped as malformed; stopped before the next one "
                f"({overflow}) so that nothing after it is lost: check the source's `format` and the column names"
            )
        if run.retry and not run.good:
            raise SourceError(
                f"{path.name}: none of the {len(run.retry)} row(s) read could be imported (first: "
                f"{run.first_reason}): is `format` ({self._format(path)}) right, and are the columns named as "
                "docs/sources.md lists them? Rows fixed in place, or the file read again after `format` changes, "
                "are imported by the next run"
            )

    def _say(self, path: Path, run: _Pass, ident: tuple[Any, ...]) -> None:
        """What a pass has to say once it is done (once per run, whichever brand's pass comes first)."""
        if run.still_bad and self._first_report(("still", *ident, tuple(run.still_bad))):
            named = ", ".join(str(n) for n in run.still_bad[:NAMED_LINES])
            more = "…" if len(run.still_bad) > NAMED_LINES else ""
            log.info("%s: %d row(s) skipped by an earlier run are still malformed (line %s%s); fixed in place, "
                     "they are imported by the next run", path.name, len(run.still_bad), named, more)
        if run.foreign_rows and not run.other_rows and self._first_report(("foreign", *ident, run.foreign_rows)):
            log.warning(
                "%s: all %d row(s) read name only brands the config does not have (%s; configured: %s): none imported. "
                "The file reads well; if these brands are yours, add them to the config (or fix their names): a brand "
                "added later reads the file from the start", path.name, run.foreign_rows, ", ".join(run.foreign),
                ", ".join(self.config_brands or ()))
        if run.fixed:
            log.info("%s: %d row(s) an earlier run skipped read well now and are imported", path.name, run.fixed)
        for kind, times in run.dst.items():
            if self._first_report(("dst", kind, *ident)):
                log.warning(_DST_WARNING[kind], path.name, len(times), self.options.timezone,
                            ", ".join(times[:NAMED_LINES]) + ("…" if len(times) > NAMED_LINES else ""))
        if run.naive:
            log.warning("%s: %d timestamp(s) without a time zone read as UTC; if the export writes local time, set "
                        "the source's `timezone` option (an IANA name such as Europe/Paris)", path.name, run.naive)

    def _read_row(
        self, row: Row, brand: str, query: str, window: Window, matcher: Query, where: str, stamps: _Stamps,
        dates: Selector,
    ) -> _Read:
        """The row's mention if this run keeps it (valid, dated plausibly by `dates`' rule, in the window,
        matching), and why it was skipped, if so. `stamps` gets the fields whose time was written without a zone
        and read as UTC, and the local times a DST change makes ambiguous or impossible (`_zoned`)."""
        if row.error is not None:
            return _Read(None, [f"{where}: {row.error}"])
        reasons: list[str] = []
        foreign: list[str] = []
        try:
            mention = self._to_mention(row.record or {}, brand, query, where, reasons, stamps, foreign,
                                       collected_at=dates.collected_at)
            if foreign:
                return _Read(None, reasons, final=True, foreign=tuple(foreign))
            implausible = implausible_date(mention.created_at, dates) if mention is not None else None
            if implausible is not None:
                # The shared message says a future post is read again: the import does not (a wrong clock).
                implausible = implausible.partition("; ")[0]
                if dates.in_future(mention.created_at):  # type: ignore[union-attr]
                    implausible += "; a wrong clock: skipped, not read again"
                return _Read(None, [f"{where}: {implausible}"], final=True)
            wanted = mention is not None and _in_window(mention, window)
            kept = matching(matcher, mention, self.lang_of) if wanted else None  # type: ignore[arg-type]
            if kept is not None:
                return _Read(kept, reasons)
        except Exception as exc:  # noqa: BLE001 - one bad line is skipped by number, never stops the file
            return _Read(None, [f"{where}: malformed ({type(exc).__name__}: {exc})"[:500]])
        return _Read(None, reasons)

    def _to_mention(
        self, record: dict[str, Any], brand: str, query: str, where: str, skipped: list[str], stamps: _Stamps,
        foreign: list[str] | None = None, collected_at: datetime | None = None,
    ) -> Mention | None:
        """The row's mention for `brand`, or None (the reason in `skipped`). `collected_at`: this run's clock,
        stamped as every other source stamps what it collects (`Selector._build`): when the post arrived here, so a
        warehouse can pull what arrived since its last load (a file's own `collected_at` is when another tool
        collected it, not when this store got it)."""
        opts = self.options
        record = dict(record)
        # Exports name their brands as `brands` (or `brand`/`query`, written before multi-brand mentions).
        has_reasons = "matches" in record or "query" in record  # Groundswell's own format: kept as it is
        legacy, legacy_query = record.pop("brand", None), record.pop("query", None)
        named = [*_brand_list(record.get("brands")), *([legacy] if legacy else [])]
        if named and brand not in named:
            configured = self.config_brands
            if configured is not None and not set(named) & set(configured):
                # Read for no brand at all: said once (per run), not remembered (`foreign` names its brands): a brand
                # the config adds later has a cursor of its own, which reads the file from the start.
                skipped.append(f"{where}: row names brands {', '.join(named)}; none configured: "
                               f"{', '.join(configured)}"[:500])
                if foreign is not None:
                    foreign.extend(named)
            return None  # the export says this row belongs to other brands
        if "native_id" not in record and record.get("id"):
            # An id is ours (`<source>:<native_id>`, `core.mention.split_id`) only with the row's source as its
            # prefix: its own, or (without one) this option's. Any other id (`12:34`, a URL, `777`) is the post's
            # native id, whole; the `id` key goes, and the mention's id is made as every source makes it.
            ident = str(record.pop("id"))
            ours = split_id(ident, [record.get("source") or opts.source])
            if ours is not None:
                record["source"], record["native_id"] = ours
            else:
                record["native_id"] = ident
        record.setdefault("source", opts.source)
        # The export's brands and reasons are kept (an export read back is the mentions it was made of).
        exported = dict(record["matches"]) if isinstance(record.get("matches"), dict) else {}
        if legacy and legacy_query:
            exported.setdefault(legacy, legacy_query)
        if not has_reasons:
            exported.setdefault(brand, query)
        record["brands"], record["matches"] = [*named, brand], exported
        if collected_at is not None:
            # Before `_zoned`: the file's own `collected_at` is replaced, so it is neither zoned nor warned about.
            record["collected_at"] = collected_at
        self._zoned(record, stamps)
        try:
            return load_mention(record)  # the one reader of the JSONL mention format
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "record"
            skipped.append(f"{where}: {field}: {first['msg']}"[:500])
            return None

    def _zoned(self, record: dict[str, Any], stamps: _Stamps) -> None:
        """Put the `timezone` option's zone on the record's timestamps written without one; without the option
        they stay UTC (`core.mention`), and their fields go to `stamps.naive` to be counted.

        A local time in the hour a DST change repeats is read as its first pass, one in the hour it skips with the
        offset before the change (an hour later than written): `zoneinfo`'s fold=0 for both. Which pass a time was
        is not in the file. Inferring it from the file's order (a step back in time within the hour) misread
        exports ordered only roughly (seconds of jitter moved rows by an hour both ways), and a row skipped as
        malformed then fixed could not get the instant a fresh read gives it (review s67 dimport, finding 1).
        Either kind of `created_at` goes to `stamps.dst` as stored, to be named in one warning per file; the
        record's `collected_at` is this run's clock by now (`_to_mention`), never the file's."""
        for key in _TIMESTAMPS:
            value = record.get(key)
            if not isinstance(value, str):
                continue  # numbers are POSIX seconds: UTC by definition
            try:
                when = _DATETIME.validate_python(value)
            except ValidationError:
                continue  # load_mention says what is wrong with it
            if when.tzinfo is not None:
                continue
            if self._zone is None:
                stamps.naive.append(key)
                continue
            placed = when.replace(tzinfo=self._zone, fold=0)
            kind = _dst_kind(when, self._zone)
            if kind is not None:
                stamps.dst.append((kind, f"{key} {placed.isoformat(timespec='minutes')}"))
            record[key] = placed


@dataclass
class _Stamps:
    """What reading one row's timestamps found: its fields written without a zone and read as UTC (`naive`), and
    its local times a DST change made ambiguous or impossible (`dst`: kind, the field and the time as stored)."""

    naive: list[str] = field(default_factory=list)
    dst: list[tuple[str, str]] = field(default_factory=list)


def _dst_kind(when: datetime, zone: tzinfo) -> Literal["repeated", "skipped"] | None:
    """Whether the naive `when` is, in `zone`, in an hour a DST change repeats (clocks went back: two instants
    share that wall time) or skips (clocks went forward: no instant has it); None for any other time."""
    first, second = when.replace(tzinfo=zone, fold=0).utcoffset(), when.replace(tzinfo=zone, fold=1).utcoffset()
    if first == second or first is None or second is None:
        return None
    return "repeated" if first > second else "skipped"  # PEP 495: fold=0 is the offset before the change


def _brand_list(value: Any) -> list[str]:
    """A record's `brands`: a JSON list, or a CSV cell of names joined by '|' (as the dashboard's CSV has them)."""
    if isinstance(value, str):
        return [b.strip() for b in value.split("|") if b.strip()]
    return [str(b) for b in value] if isinstance(value, list) else []


@dataclass(frozen=True)
class _Read:
    """What reading one row gave: its mention (if this pass keeps it) or why not. `final`: skipped for what the
    row says (an implausible date, no configured brand), not how it is written: reported, never retried. `foreign`:
    the brands it names when none of them is configured."""

    mention: Mention | None
    reasons: list[str]
    final: bool = False
    foreign: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    """A data row: the physical lines it spans, and its record or the reason it has none."""

    first: int
    last: int
    record: dict[str, Any] | None = None
    error: str | None = None
    # Its last line has no newline: the file ends there, perhaps mid-write (see the module docstring).
    open_end: bool = False
    # The byte offsets where its first line starts and just past its last line (None in a UTF-16/32 file).
    start: int | None = None
    end: int | None = None


def _terminated(text: str) -> bool:
    return text.endswith(("\n", "\r"))


def _jsonl_rows(lines: Iterator[Line]) -> Iterator[Row]:
    for line in lines:
        if line.text.strip() or line.problem is not None:  # a line over MAX_ROW_BYTES comes as its ending alone
            row = _jsonl_row(line)
            yield row if _terminated(line.text) else replace(row, open_end=True)


def _jsonl_row(line: Line) -> Row:
    """One non-blank JSONL line as a row: its record, or why it has none; its bytes' span."""
    return replace(_jsonl_read(line), start=line.start, end=line.end)


def _jsonl_read(line: Line) -> Row:
    if line.problem is not None:
        return Row(line.number, line.number, error=line.problem)
    try:
        record = json.loads(line.text)
    except json.JSONDecodeError as exc:
        return Row(line.number, line.number, error=f"invalid JSON ({exc.msg} at column {exc.colno})")
    except (RecursionError, ValueError) as exc:  # nested too deep, a number too long to convert
        return Row(line.number, line.number, error=f"unreadable JSON ({type(exc).__name__})")
    if not isinstance(record, dict):
        return Row(line.number, line.number, error="expected a JSON object")
    return Row(line.number, line.number, record)


def _csv_rows(lines: Iterator[Line], head: _CsvHead | None = None, done: int = 0) -> Iterator[Row]:
    """`_csv_records`, each row marked `open_end` when it ends on a line without a newline."""
    unterminated: set[int] = set()  # the last line's number, when the file does not end with a newline

    def watched() -> Iterator[Line]:
        for line in lines:
            if not _terminated(line.text):
                unterminated.add(line.number)
            yield line

    for row in _csv_records(watched(), head, done):
        yield replace(row, open_end=True) if row.last in unterminated else row


class _RowTooBig(Exception):
    """Raised by `_CsvLines` for a row over MAX_ROW_BYTES, once it has read through to that row's end."""

    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


class _CsvLines:
    """The lines a csv reader reads, counted per row: their problems, texts and bytes. A row over MAX_ROW_BYTES is
    never handed on whole: the rest of it is read through (to the first line end outside quotes, by counting quote
    characters) and `_RowTooBig` raised, which the reader survives (it starts its next row on the next line).
    An iterator object, not a generator: a generator that raises is finished."""

    def __init__(self, lines: Iterator[Line]):
        self.lines = lines
        self.problems: dict[int, str] = {}
        self.record: list[str] = []  # the physical lines of the row being read
        self.size = 0  # their bytes
        self.number = 0  # the last physical line read
        self.start: int | None = None  # the byte offset of the row's first line
        self.end: int | None = None  # just past the last line read
        self._quotes = 0  # quote characters in the row so far: odd while inside a quoted field

    def start_row(self) -> None:
        self.record, self.size, self._quotes, self.start = [], 0, 0, None

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        line = self._take()
        if self.size > MAX_ROW_BYTES:
            while self._quotes % 2:  # inside a quoted field: the row goes on
                try:
                    self._take()
                except StopIteration:
                    break
            raise _RowTooBig(self.size)
        self.record.append(line.text)
        return line.text

    def _take(self) -> Line:
        line = next(self.lines)
        if self.start is None:
            self.start = line.start
        self.end = line.end  # just past the last line read
        self.number = line.number
        if line.problem is not None:
            self.problems[line.number] = line.problem
        self.size += len(line.text.encode("utf-8", "replace"))
        self._quotes += line.text.count('"')
        return line


@dataclass
class _CsvHead:
    """A CSV file's header as read: its column names (None until read), whether it is Groundswell's own export
    (`_OWN_EXPORT`), and its last line. Given to `_csv_records` to read rows from the middle of the file on."""

    names: list[str] | None = None
    own_export: bool = False
    line: int = 0


def _csv_head(lines: Iterator[Line]) -> _CsvHead:
    """The header of the file whose lines these are (read up to its first row after it)."""
    head = _CsvHead()
    for _ in _csv_records(lines, head):
        break
    return head


def _csv_records(lines: Iterator[Line], head: _CsvHead | None = None, done: int = 0) -> Iterator[Row]:
    """CSV rows by header; a quoted field may span lines, so a row knows its first and last line (and bytes).
    `head`: the header, read already (`_csv_head`) when the lines start after it, at line `done` + 1; filled in
    as read otherwise.

    Read strictly (a quote closed in mid-field is an error, not text): a stray opening quote otherwise runs on
    into the next rows, which vanish into one row's text. Two more rules keep the rows after a bad one whole:
    a row over MAX_ROW_BYTES is skipped with its size, and so is one that `_swallowed` rows."""
    source = _CsvLines(lines)
    reader = csv.reader(source, strict=True)
    head = _CsvHead() if head is None else head
    header, own_export = head.names, head.own_export
    # `done`: the last physical line consumed by an earlier row
    while True:
        source.start_row()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except _RowTooBig as exc:
            first, done = done + 1, source.number
            yield Row(first, done, error=_too_big(exc.size), start=source.start, end=source.end)
            continue
        except csv.Error as exc:  # a stray quote, one at the end of the file...
            first, done = done + 1, source.number
            yield Row(first, done, error=_csv_error(exc, first, done), start=source.start, end=source.end)
            continue
        first, done = done + 1, source.number
        span = {"start": source.start, "end": source.end}
        bad = next((source.problems[n] for n in range(first, done + 1) if n in source.problems), None)
        if bad is None and header is not None and _swallowed(source.record, header):
            bad = (f"a quote opened on line {first} runs on to line {done}: lines {first}-{done} read as one row, "
                   "each of them a whole row by itself (a stray quote?); none imported")
        if header is None:
            if bad is None:
                header = [name.strip() for name in fields]
                own_export = _OWN_EXPORT <= set(header)
                head.names, head.own_export, head.line = header, own_export, done
            else:
                yield Row(first, done, error=f"header: {bad}", **span)
            continue
        if bad is not None:
            yield Row(first, done, error=bad, **span)
        elif not any(f.strip() for f in fields):
            continue
        elif len(fields) > len(header):
            yield Row(first, done, error=f"{len(fields)} fields but the header has {len(header)}", **span)
        else:
            record = _csv_row_to_record(dict(zip(header, fields, strict=False)), own_export)
            yield Row(first, done, record, **span)


def _too_big(size: int) -> str:
    return f"a row of {size} bytes is longer than the limit of one row ({MAX_ROW_BYTES} bytes); skipped"


def _csv_error(exc: csv.Error, first: int, last: int) -> str:
    if first == last:
        return f"unreadable CSV ({exc})"
    return f"unreadable CSV ({exc}): lines {first}-{last} read as one row (a stray quote?); none imported"


def _swallowed(record: list[str], header: list[str]) -> bool:
    """Whether a row that spans lines is rows run together by a stray quote: its first line reads as a row of
    this file by itself when its quote is read as text, and so does a later line as CSV (`_whole_row`). Text
    legitimately quoted over several lines leaves its first line, or its later lines, short of a row: the header's
    number of fields can happen (a comma or two in the text), an id and a date in their columns do not. The strict
    reader catches the commoner case, a stray quote closed by the next row's opening one; this one is a stray quote
    closed at the end of a later field."""
    if len(record) < 2:
        return False
    return _whole_row(record[0], header, csv.QUOTE_NONE) and any(
        _whole_row(line, header, csv.QUOTE_MINIMAL) for line in record[1:]
    )


def _whole_row(line: str, header: list[str], quoting: int) -> bool:
    """Whether one physical line reads as a row of this file by itself: the header's number of fields, an id
    where the header has an id column (`native_id`, else `id`) and a date where it has `created_at`."""
    try:
        fields = next(csv.reader([line], quoting=quoting, strict=True), [])
    except csv.Error:
        return False
    if len(fields) != len(header):
        return False
    row = {name: value.strip().strip('"').strip() for name, value in zip(header, fields, strict=True)}
    ident = next((row[name] for name in ("native_id", "id") if name in row), None)
    if ident == "":
        return False
    if "created_at" in row:
        try:
            _DATETIME.validate_python(row["created_at"])
        except ValidationError:
            return False
    return True


def _in_window(mention: Mention, window: Window) -> bool:
    if window.since is not None and mention.created_at < window.since:
        return False
    if window.until is not None and mention.created_at >= window.until:
        return False
    return True


def _file_head(handle: BinaryIO) -> bytes:
    """The file's first FINGERPRINT_BYTES (all of a smaller file): what its cursor is tied to."""
    return _read_at(handle, 0, FINGERPRINT_BYTES)


def _read_at(handle: BinaryIO, offset: int, size: int) -> bytes:
    """`size` bytes of the open file from `offset`, the handle left where it was (a reader may be paused on it)."""
    resume = handle.tell()
    try:
        handle.seek(offset)
        return handle.read(size)
    finally:
        handle.seek(resume)


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:12]


def _tail(handle: BinaryIO, offset: int) -> str:
    """The hash of the TAIL_BYTES before `offset` (all of them, nearer the start) in the open file: what a cursor's
    byte offset is tied to. Bytes inserted, removed or changed there, or before it so that they shift, change it.
    From the handle the run read its rows from, never the path opened again (moved away: FileNotFoundError;
    replaced: the hash of bytes this run never read)."""
    return _digest(_read_at(handle, max(0, offset - TAIL_BYTES), min(offset, TAIL_BYTES)))


def _verified_start(handle: BinaryIO, saved: _Cursor) -> tuple[int, int] | None:
    """Where a run may begin reading with `saved` (the line before, its byte offset): its `at` while the file is at
    least that long and the bytes before it hash as they did; the start for a cursor without one (saved by an
    earlier version, or of a UTF-16/32 file: read from the start, lines up to its `line` passed over); None when
    the file changed before that point (rewritten, truncated): it is read anew."""
    if saved.at is None:
        return 0, 0
    line, offset = saved.at
    try:
        if not 0 <= line <= saved.line or offset < 0 or offset > os.fstat(handle.fileno()).st_size:
            return None
        return (line, offset) if _tail(handle, offset) == saved.tail else None
    except OSError:
        return None


def _load_cursor(cursor: str | None, head: bytes, read_as: str, legacy: str | None = None) -> _Cursor:
    """Where to continue in the file whose start is `head`, read as `read_as`: the saved cursor when the file is the
    one it was made on (its first `bytes` are unchanged: appended to, or not at all) and read the same way, else
    the start (replaced, or read otherwise now: read anew).

    Only the bytes the hash covered are compared: hashing the whole 64 KiB of a file that was smaller then
    made every append to it look like a new file, and re-read it all. A cursor saved before `read_as` was
    recorded (`_legacy_cursor`) is read as what it meant when `legacy` (the reading every version before it had)
    is today's reading: re-read from line 0, its file's old reposts became shares and fired a day-old viral alert.
    """
    if not cursor:
        return _Cursor()
    try:
        data = json.loads(cursor)
        if isinstance(data, dict) and "read_as" not in data:
            return _legacy_cursor(data, head, read_as, legacy)
        covered = data.get("bytes", len(head))
        if not isinstance(covered, int) or not 0 <= covered <= len(head):  # shorter now: not that file
            return _Cursor()
        if data.get("file") != _digest(head[:covered]) or data.get("read_as") != read_as:
            return _Cursor()
        retry = {int(first): int(last) for first, last in data.get("retry", [])}
        at = data.get("at")
        # A `wall` key (the DST clock some cursors of 7 Dec saved) is no longer read: ignored.
        return _Cursor(int(data["line"]), retry, bool(data.get("good", False)),
                       (int(at[0]), int(at[1])) if at else None, data.get("tail"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return _Cursor()


def _legacy_cursor(data: dict[str, Any], head: bytes, read_as: str, legacy: str | None) -> _Cursor:
    """A cursor written before `read_as` (27 Nov-5 Dec: ``{"line", "file"}``, then ``{"line", "file", "bytes"}``):
    `file` hashes the file's first 64 KiB when it was saved (`bytes` of them, where recorded; all of a smaller
    file). Those versions read every file as `legacy` does (the `format` and `source` options; no `timezone`, so
    UTC), and remembered no bad row to retry (they moved past them, as they reported). Kept where the file is the
    one it was made on and is read that way today; else read anew (a new file, or options changed since)."""
    line = int(data["line"])
    if legacy != read_as or line < 0:
        return _Cursor()
    covered = data.get("bytes")
    if covered is None:
        covered = _covered_by(head, str(data.get("file")))
    elif not isinstance(covered, int) or not 0 <= covered <= len(head) or data.get("file") != _digest(head[:covered]):
        return _Cursor()
    return _Cursor(line, {}, line > 0) if covered is not None else _Cursor()


def _covered_by(head: bytes, digest: str) -> int | None:
    """How many bytes of `head` an old cursor's `file` hash covered: all of it (the file was 64 KiB or more then), or
    a prefix ending a line (the whole of a smaller file, since appended to): its end-of-line included, or the prefix
    just before it (the old file's last line had none: the append began by ending it). A line ends at `\n`, `\r\n`
    or a lone `\r` (old Mac files); None when no such prefix hashes to it."""
    if _digest(head) == digest:
        return len(head)
    hasher = hashlib.sha1()
    start = 0
    for found in _LINE_BREAK.finditer(head):
        end = found.start()
        hasher.update(head[start:end])
        start = end
        if found.group() == b"\n" and end > 0 and head[end - 1 : end] == b"\r":
            pass  # the `\n` of a `\r\n`: the prefix before its `\r` was tried there
        elif hasher.hexdigest()[:12] == digest:  # the old file stopped before this end-of-line
            return end
        hasher.update(head[end : end + 1])
        start = end + 1
        if (found.group() == b"\n" or head[end + 1 : end + 2] != b"\n") and hasher.hexdigest()[:12] == digest:
            return start
    return None


_LINE_BREAK = re.compile(rb"[\r\n]")
