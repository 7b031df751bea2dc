"""Import mentions from JSONL or CSV exports (backfills, other tools' exports, the demo corpus).

JSONL lines are Mention-shaped objects (`id` optional; `source` defaults to the
option). CSV files use flat columns: `source, native_id, url, text, created_at,
author_id, author_handle, author_followers, likes, reposts, replies, quotes, lang`.
A bad line is skipped with its line number and reason; the rest still imports.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from extractors.base import Batch, Extractor, SourceOptions, Window
from groundswell.mention import Mention, load_mention

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
        if key is None:
            raise ValueError("row has more fields than the header")
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


class ImportExtractor(Extractor):
    """Reads a local export file; the cursor is the number of lines already imported."""

    type = "import"
    Options = ImportOptions

    def _format(self, path: Path) -> str:
        opts: ImportOptions = self.options  # type: ignore[assignment]
        if opts.format != "auto":
            return opts.format
        return "csv" if path.suffix.lower() in (".csv", ".tsv") else "jsonl"

    def _records(self, path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
        """(line number, record or None, error or None) for every data line."""
        if self._format(path) == "csv":
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                for row in reader:
                    try:
                        yield reader.line_num, _csv_row_to_record(row), None
                    except ValueError as exc:
                        yield reader.line_num, None, str(exc)
            return
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, None, f"invalid JSON ({exc.msg} at column {exc.colno})"
                    continue
                if not isinstance(record, dict):
                    yield number, None, "expected a JSON object"
                    continue
                yield number, record, None

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:
        from groundswell.query import parse

        opts: ImportOptions = self.options  # type: ignore[assignment]
        path = Path(opts.path)
        if not path.exists():
            from extractors.base import SourceError

            raise SourceError(f"import file not found: {path}")
        matcher = parse(query)
        identity = _file_identity(path)
        # A windowed run (backfill, Airflow interval) re-reads the file and leaves the
        # cursor alone: lines outside this window must stay importable by a later window.
        windowed = window.since is not None or window.until is not None
        start_line = 0 if windowed else _cursor_line(cursor, identity)
        batch: list[Mention] = []
        skipped: list[str] = []
        last_line, pending = start_line, 0
        for number, record, error in self._records(path):
            if number <= start_line:
                continue
            last_line, pending = number, pending + 1
            if error is not None:
                skipped.append(f"{path.name} line {number}: {error}")
            else:
                mention = self._to_mention(record or {}, brand, query, number, path, skipped)
                if mention is not None and _in_window(mention, window) and matcher.matches(mention.text, mention.lang):
                    batch.append(mention)
            if pending >= opts.batch_size:
                yield Batch(batch, cursor=None if windowed else _make_cursor(last_line, identity), skipped=skipped)
                batch, skipped, pending = [], [], 0
        yield Batch(batch, cursor=None if windowed else _make_cursor(last_line, identity), skipped=skipped)

    def _to_mention(
        self, record: dict[str, Any], brand: str, query: str, number: int, path: Path, skipped: list[str]
    ) -> Mention | None:
        opts: ImportOptions = self.options  # type: ignore[assignment]
        record = dict(record)
        if record.get("brand") not in (None, brand):
            return None  # the export says this row belongs to another brand
        record.setdefault("source", opts.source)
        if "native_id" not in record and record.get("id"):
            record["native_id"] = str(record["id"]).split(":", 1)[-1]
        record["brand"] = brand
        record.setdefault("query", query)
        try:
            return load_mention(record)  # the one reader of the JSONL mention format
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "record"
            skipped.append(f"{path.name} line {number}: {where}: {first['msg']}")
            return None


def _in_window(mention: Mention, window: Window) -> bool:
    if window.since is not None and mention.created_at < window.since:
        return False
    if window.until is not None and mention.created_at >= window.until:
        return False
    return True


def _file_identity(path: Path) -> str:
    """Hash of the file's first 64 KiB: a replaced file restarts from line 0, an appended one continues."""
    with path.open("rb") as handle:
        return hashlib.sha1(handle.read(65536)).hexdigest()[:12]


def _make_cursor(line: int, identity: str) -> str:
    return json.dumps({"line": line, "file": identity})


def _cursor_line(cursor: str | None, identity: str) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(cursor)
        return int(data["line"]) if data.get("file") == identity else 0
    except (ValueError, KeyError, TypeError):
        return 0
