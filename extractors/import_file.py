"""Import mentions from JSONL or CSV exports (backfills, other tools' exports, the demo corpus).

JSONL lines are Mention-shaped objects (`id` optional; `source` defaults to the
option). CSV files use flat columns: `source, native_id, url, text, created_at,
author_id, author_handle, author_followers, likes, reposts, replies, quotes, lang`.
A bad line is skipped with its line number and reason; the rest still imports. Any
encoding is read (`extractors.textfile`: UTF-8 with or without a BOM, others by chardet).

Writers must end every line (the last one too) with a newline. A file may be read while it is
still being appended to, so a last line without one may be half written: the cursor never moves
past it. If it reads as a whole row it is imported (a rerun reads it again and stores it under the
same id); if not, it is left for the next run, unreported.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from core.mention import Mention, load_mention
from core.query import Query, parse
from extractors.base import Batch, Extractor, SourceError, SourceOptions, Window
from extractors.textfile import Line, read_lines

log = logging.getLogger("groundswell.extractors.import_file")
# The cursor is tied to a hash of the file's start, at most this much of it: enough to tell exports apart.
FINGERPRINT_BYTES = 65536
_FLAT_AUTHOR = {"author_id": "id", "author_handle": "handle", "author_name": "name", "author_followers": "followers"}
_FLAT_ENGAGEMENT = ("likes", "reposts", "replies", "quotes")


class ImportOptions(SourceOptions):
    path: str = Field(min_length=1, description="JSONL or CSV file to read")
    format: Literal["auto", "jsonl", "csv"] = "auto"
    source: str = Field(default="import", description="Source name for rows that carry none")
    batch_size: int = Field(default=500, ge=1, le=100_000)


def _csv_row_to_record(row: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    author: dict[str, Any] = {}
    engagement: dict[str, Any] = {}
    for key, value in row.items():
        value = value.strip() if isinstance(value, str) else value
        if value in ("", None):
            continue
        if key in _FLAT_AUTHOR:
            author[_FLAT_AUTHOR[key]] = value
        elif key in _FLAT_ENGAGEMENT:
            engagement[key] = value
        else:
            record[key] = value
    if author:
        record["author"] = author
    if engagement:
        record["engagement"] = engagement
    return record


class ImportExtractor(Extractor[ImportOptions]):
    """Reads a local export file; the cursor is the number of lines already imported."""

    type = "import"
    Options = ImportOptions

    def _format(self, path: Path) -> str:
        opts = self.options
        if opts.format != "auto":
            return opts.format
        return "csv" if path.suffix.lower() in (".csv", ".tsv") else "jsonl"

    def _records(self, path: Path) -> Iterator[Row]:
        """Every data row of the file, with its line numbers; bad rows carry an error instead of a record."""
        lines = read_lines(path)
        yield from (_csv_rows(lines) if self._format(path) == "csv" else _jsonl_rows(lines))

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:

        opts = self.options
        path = Path(opts.path)
        if not path.exists():

            raise SourceError(f"import file not found: {path}")
        matcher = parse(query)
        head = _file_head(path)
        # A windowed run (backfill, Airflow interval) re-reads the file and leaves the
        # cursor alone: lines outside this window must stay importable by a later window.
        windowed = window.since is not None or window.until is not None
        start_line = 0 if windowed else _cursor_line(cursor, head)
        batch: list[Mention] = []
        skipped: list[str] = []
        last_line, pending = start_line, 0
        for row in self._records(path):
            if row.last <= start_line:
                continue
            where = f"{path.name} line {row.first}"
            mention, reasons = self._read_row(row, brand, query, window, matcher, where)
            if row.open_end and reasons:
                # Most likely still being written: the next run reads it whole. Not a bad line (yet).
                log.info("%s: no newline at the end and no whole row so far; left for the next run", where)
                continue
            # A last line without a newline may still grow: import it, but keep the cursor before it.
            last_line, pending = (last_line if row.open_end else row.last), pending + 1
            skipped += reasons
            if mention is not None:
                batch.append(mention)
            if pending >= opts.batch_size:
                yield Batch(batch, cursor=None if windowed else _make_cursor(last_line, head), skipped=skipped)
                batch, skipped, pending = [], [], 0
        yield Batch(batch, cursor=None if windowed else _make_cursor(last_line, head), skipped=skipped)

    def _read_row(
        self, row: Row, brand: str, query: str, window: Window, matcher: Query, where: str
    ) -> tuple[Mention | None, list[str]]:
        """The row's mention if this run keeps it (valid, in the window, matching), and why it was skipped, if so."""
        if row.error is not None:
            return None, [f"{where}: {row.error}"]
        reasons: list[str] = []
        try:
            mention = self._to_mention(row.record or {}, brand, query, where, reasons)
            wanted = mention is not None and _in_window(mention, window)
            if wanted and matcher.matches(mention.text, mention.lang, mention.source):  # type: ignore[union-attr]
                return mention, reasons
        except Exception as exc:  # noqa: BLE001 - one bad line is skipped by number, never stops the file
            return None, [f"{where}: malformed ({type(exc).__name__}: {exc})"[:500]]
        return None, reasons

    def _to_mention(
        self, record: dict[str, Any], brand: str, query: str, where: str, skipped: list[str]
    ) -> Mention | None:
        opts = self.options
        record = dict(record)
        # Exports name their brands as `brands` (or `brand`/`query`, written before multi-brand mentions).
        has_reasons = "matches" in record or "query" in record  # Groundswell's own format: kept as it is
        legacy, legacy_query = record.pop("brand", None), record.pop("query", None)
        named = [*_brand_list(record.get("brands")), *([legacy] if legacy else [])]
        if named and brand not in named:
            return None  # the export says this row belongs to other brands
        record.setdefault("source", opts.source)
        if "native_id" not in record and record.get("id"):
            record["native_id"] = str(record["id"]).split(":", 1)[-1]
        # The export's brands and reasons are kept (an export read back is the mentions it was made of).
        exported = dict(record["matches"]) if isinstance(record.get("matches"), dict) else {}
        if legacy and legacy_query:
            exported.setdefault(legacy, legacy_query)
        if not has_reasons:
            exported.setdefault(brand, query)
        record["brands"], record["matches"] = [*named, brand], exported
        try:
            return load_mention(record)  # the one reader of the JSONL mention format
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "record"
            skipped.append(f"{where}: {field}: {first['msg']}"[:500])
            return None


def _brand_list(value: Any) -> list[str]:
    """A record's `brands`: a JSON list, or a CSV cell of names joined by '|' (as the dashboard's CSV has them)."""
    if isinstance(value, str):
        return [b.strip() for b in value.split("|") if b.strip()]
    return [str(b) for b in value] if isinstance(value, list) else []


@dataclass(frozen=True)
class Row:
    """A data row: the physical lines it spans, and its record or the reason it has none."""

    first: int
    last: int
    record: dict[str, Any] | None = None
    error: str | None = None
    # Its last line has no newline: the file ends there, perhaps mid-write (see the module docstring).
    open_end: bool = False


def _terminated(text: str) -> bool:
    return text.endswith(("\n", "\r"))


def _jsonl_rows(lines: Iterator[Line]) -> Iterator[Row]:
    for line in lines:
        if line.text.strip():
            row = _jsonl_row(line)
            yield row if _terminated(line.text) else replace(row, open_end=True)


def _jsonl_row(line: Line) -> Row:
    """One non-blank JSONL line as a row: its record, or why it has none."""
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


def _csv_rows(lines: Iterator[Line]) -> Iterator[Row]:
    """`_csv_records`, each row marked `open_end` when it ends on a line without a newline."""
    unterminated: set[int] = set()  # the last line's number, when the file does not end with a newline

    def watched() -> Iterator[Line]:
        for line in lines:
            if not _terminated(line.text):
                unterminated.add(line.number)
            yield line

    for row in _csv_records(watched()):
        yield replace(row, open_end=True) if row.last in unterminated else row


def _csv_records(lines: Iterator[Line]) -> Iterator[Row]:
    """CSV rows by header; a quoted field may span lines, so a row knows its first and last line."""
    problems: dict[int, str] = {}

    def texts() -> Iterator[str]:
        for line in lines:
            if line.problem is not None:
                problems[line.number] = line.problem
            yield line.text

    reader = csv.reader(texts())
    header: list[str] | None = None
    done = 0  # last physical line consumed by an earlier row
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a field over the size limit, a stray quote at the end of the file...
            yield Row(done + 1, reader.line_num, error=f"unreadable CSV ({exc})")
            done = reader.line_num
            continue
        first, done = done + 1, reader.line_num
        bad = next((problems[n] for n in range(first, done + 1) if n in problems), None)
        if header is None:
            if bad is None:
                header = [name.strip() for name in fields]
            else:
                yield Row(first, done, error=f"header: {bad}")
            continue
        if bad is not None:
            yield Row(first, done, error=bad)
        elif not any(f.strip() for f in fields):
            continue
        elif len(fields) > len(header):
            yield Row(first, done, error=f"{len(fields)} fields but the header has {len(header)}")
        else:
            yield Row(first, done, _csv_row_to_record(dict(zip(header, fields, strict=False))))


def _in_window(mention: Mention, window: Window) -> bool:
    if window.since is not None and mention.created_at < window.since:
        return False
    if window.until is not None and mention.created_at >= window.until:
        return False
    return True


def _file_head(path: Path) -> bytes:
    """The file's first FINGERPRINT_BYTES (all of a smaller file): what its cursor is tied to."""
    with path.open("rb") as handle:
        return handle.read(FINGERPRINT_BYTES)


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:12]


def _make_cursor(line: int, head: bytes) -> str:
    """The cursor: lines done, and the hash of the file's start with how many bytes it covers."""
    return json.dumps({"line": line, "file": _digest(head), "bytes": len(head)})


def _cursor_line(cursor: str | None, head: bytes) -> int:
    """Where to continue in the file whose start is `head`: the cursor's line when the file is the one it was
    made on (its first `bytes` are unchanged: appended to, or not at all), else 0 (replaced: read anew).

    Only the bytes the hash covered are compared: hashing the whole 64 KiB of a file that was smaller then
    made every append to it look like a new file, and re-read it all.
    """
    if not cursor:
        return 0
    try:
        data = json.loads(cursor)
        # A cursor saved before `bytes` was recorded hashed all of the first 64 KiB there was.
        covered = data.get("bytes", len(head))
        if not isinstance(covered, int) or not 0 <= covered <= len(head):  # shorter now: not that file
            return 0
        return int(data["line"]) if data.get("file") == _digest(head[:covered]) else 0
    except (ValueError, KeyError, TypeError, AttributeError):
        return 0
