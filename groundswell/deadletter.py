"""Mentions the store refused, parked until a later run stores them.

The file (`deadletter.jsonl` beside the report) is plain mention JSONL, one `Mention`
per line: the same format the import source reads, so a person can also inspect or
re-import it. It holds each id once (the newest version), every run replays it first
and rewrites it with what still fails, and while it is not empty `ingest`/`run` exit
non-zero. The errors themselves go to the log, not the file.

A line no mention can be read from (cut short, hand-edited, not UTF-8) is kept byte for byte and never retried
into the store: no retry can help it, so `ingest`/`run` say it needs a person, naming the file and the line
(`unreadable_message`), and exit 5 until the line is fixed or deleted.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from core.file_write import replacing
from core.mention import Mention, dump_mention, load_mention
from groundswell.exit_codes import busy_message

log = logging.getLogger("groundswell.deadletter")

# How many mentions this process parked in each file (by resolved path) because the store was busy: their write gave
# up on another process's lock (SQLite "database is locked"). The reason is kept with the failed write where it
# failed, so a command tells a busy store (exit 7) from a failing one (5) by why its writes failed, not by probing the
# lock once it ends (which said 5 or 7 by when the other process let go). Only counts: the file keeps mentions alone.
_BUSY_PARKS: dict[Path, int] = {}


@dataclass
class Parked:
    """What the file holds: mentions by id, and lines it could not read (kept verbatim, never dropped)."""

    mentions: dict[str, Mention] = field(default_factory=dict)
    # The lines as the file held them, without their "\n": bytes, so one that is not UTF-8 is written back
    # byte for byte for a person to fix, not with U+FFFD in place of what they would have to recover.
    unreadable: list[bytes] = field(default_factory=list)
    unreadable_at: list[int] = field(default_factory=list)  # their line numbers in the file read (1 = first)

    def __len__(self) -> int:
        return len(self.mentions) + len(self.unreadable)


class DeadLetter:
    """The dead-letter file at `path`; every change rewrites it whole, under a lock, atomically."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def count(self) -> int:
        """Entries waiting (mentions plus unreadable lines)."""
        return len(self._read()) if self.path.exists() else 0

    def unreadable_lines(self) -> list[int]:
        """The numbers (1 = the first, as an editor counts) of the file's lines no mention can be read from."""
        return self._read(quiet=True).unreadable_at if self.path.exists() else []

    def parked_ids(self) -> set[str]:
        """The ids of the mentions waiting."""
        return set(self._read().mentions) if self.path.exists() else set()

    def busy_parks(self) -> int:
        """How many mentions this process parked here because the store was busy (`park`'s reason said so): a
        command compares it with the count when it began (`groundswell.cli`: exit 7 rather than 5)."""
        return _BUSY_PARKS.get(self.path.resolve(), 0)

    def park(self, mentions: list[Mention], reason: str) -> int:
        """Add `mentions` (a later version of an id replaces the earlier); return how many entries wait. `reason`:
        why their write failed; a busy store's (`exit_codes.busy_message`) is counted (`busy_parks`)."""
        if not mentions:
            return self.count()
        if busy_message(reason):
            key = self.path.resolve()
            _BUSY_PARKS[key] = _BUSY_PARKS.get(key, 0) + len(mentions)
        with self._locked():
            parked = self._read()
            for mention in mentions:
                parked.mentions[mention.id] = mention
            self._write(parked)
        log.error("%d mention(s) failed to store (%s); parked in %s", len(mentions), reason[:300], self.path)
        return len(parked)

    @contextmanager
    def replaying(self) -> Iterator[Parked]:
        """Yield what is parked; the caller removes what it stored from `mentions`; the rest is written back."""
        with self._locked():
            parked = self._read() if self.path.exists() else Parked()
            yield parked
            self._write(parked)

    def _read(self, quiet: bool = False) -> Parked:
        parked = Parked()
        if not self.path.exists():
            return parked
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                line = raw.rstrip(b"\n")
                if not line.strip():
                    continue
                try:
                    # Strict: a line that is not UTF-8 (an editor's Latin-1 save) is unreadable, not a mention
                    # whose text has U+FFFD stored for good.
                    mention = _parse(line.decode("utf-8"))
                except (UnicodeDecodeError, ValueError, ValidationError) as exc:
                    if not quiet:
                        log.error("%s line %d: unreadable, kept for a person to fix (%s)", self.path, number, exc)
                    parked.unreadable.append(line)
                    parked.unreadable_at.append(number)
                    continue
                parked.mentions[mention.id] = mention
        return parked

    def _write(self, parked: Parked) -> None:
        if not len(parked):
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A random temporary name beside it, replacing the file at the end (core/file_write.py): a crash mid-write
        # leaves the previous file whole, and a link planted at either name is never written through.
        with replacing(self.path, "wb") as handle:
            for mention in parked.mentions.values():
                handle.write(dump_mention(mention).encode("utf-8") + b"\n")
            for line in parked.unreadable:
                handle.write(line + b"\n")  # byte for byte, as read

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # Airflow runs one collect task per source in parallel: serialise read-modify-write.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        try:
            # Never truncated, never followed: open(lock, "w") emptied whatever a link planted at the name (it sits
            # in the shared output folder) pointed to, on every park and replay.
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as exc:
            if lock.is_symlink():
                reason = "a symbolic link, not the dead-letter lock file: remove it"
                raise OSError(exc.errno, reason, str(lock)) from exc
            raise
        try:
            try:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)
            except ImportError:  # pragma: no cover - Windows: single-process runs only
                pass
            yield
        finally:
            os.close(fd)


def unreadable_message(path: Path, lines: list[int]) -> str:
    """What `ingest`/`run` say about the lines of the dead-letter file at `path` that no mention can be read from."""
    shown = ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
    which = "line" if len(lines) == 1 else "lines"
    return (f"{len(lines)} line(s) of the dead-letter file {path} cannot be read as a mention ({which} {shown}; "
            "the log says why): a retry cannot fix them. A person must repair each (one mention as JSON "
            "per line, the import format) or delete it; until then every run exits 5 (docs/airflow.md, "
            "\"Partial failures\")")


def _parse(line: str) -> Mention:
    data = json.loads(line)
    if isinstance(data, dict) and set(data) == {"error", "mention"}:
        data = data["mention"]  # the earlier format: {"error": ..., "mention": {...}}
    return load_mention(data)  # the one reader of the JSONL mention format
