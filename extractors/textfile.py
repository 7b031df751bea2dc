"""Read a local export file line by line, whatever its encoding, without ever stopping on a bad line.

Spreadsheets save "CSV UTF-8" with a byte-order mark, older tools write Windows-1252 or
Latin-1, and a truncated copy can end in half a character. The rule is the same for all:
UTF-8 first (a leading BOM is dropped); a line that is not UTF-8 is decoded with the
encoding chardet finds for the file's non-UTF-8 lines; a line neither can decode is
yielded with a problem (its number and the byte offset) so the caller can skip it by
number. UTF-16/32 files (recognised by their BOM) are decoded as a whole.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

log = logging.getLogger("groundswell.extractors.textfile")

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
              (codecs.BOM_UTF16_BE, "utf-16"))
# Windows-1252 wins when chardet scores it at least this fraction of its best guess.
PREFER_WESTERN = 0.9
_WESTERN = ("windows-1252", "iso-8859-1", "iso-8859-15", "latin-1")
# Bytes of non-UTF-8 lines chardet looks at (enough to tell cp1252 from latin-1 from Shift-JIS).
SAMPLE_BYTES = 1 << 20
# What a bounded read of an over-long line reads at a time while it skips the rest of it.
_CHUNK = 1 << 16


# C0 control bytes other than tab/CR/LF: present in binary junk, absent from text in 8-bit encodings.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class Line(NamedTuple):
    """One physical line: its 1-based number, its text, and why it could not be decoded (or None); `start` and
    `end`: the byte offsets in the file where it starts and just past its end (None in a UTF-16/32 file).
    A NamedTuple, not a frozen dataclass: built once per line, that cost a third of reading a file."""

    number: int
    text: str
    problem: str | None = None
    start: int | None = None
    end: int | None = None


def read_lines(
    path: Path, max_bytes: int | None = None, start: int = 0, first: int = 1, handle: BinaryIO | None = None
) -> Iterator[Line]:
    """Every line of `path` (line endings kept), decoded as described in the module docstring.

    With `max_bytes`, a longer line is never held in memory: it is read through in chunks and yielded as its
    line ending alone, with a problem that gives its size (a caller skips it by number, as any bad line).
    `start`, `first`: begin at that byte offset (a line's `end`, read earlier), numbering lines from `first`:
    a caller that remembers where it stopped reads on from there. ValueError for a UTF-16/32 file, whose lines
    have no byte offsets here. `handle`: the file `path` names, opened (binary) by the caller, read instead of
    opening `path` and left open: a caller that must read one file throughout (moved or replaced while it
    reads) passes the handle it opened once; `path` then only names it in messages."""
    if handle is not None:
        yield from _lines(handle, path, max_bytes, start, first)
        return
    with path.open("rb") as opened:
        yield from _lines(opened, path, max_bytes, start, first)


def _lines(handle: BinaryIO, path: Path, max_bytes: int | None, start: int, first: int) -> Iterator[Line]:
    handle.seek(0)
    head = handle.read(4)
    handle.seek(0)
    for bom, encoding in _WIDE_BOMS:
        if head.startswith(bom):
            if start:
                raise ValueError(f"{path.name}: a {encoding.upper()} file is read from its start only")
            yield from _wide_lines(handle, encoding, max_bytes)
            return
    handle.seek(start)
    fallback = _Fallback(handle, path.name, max_bytes)
    begin = start
    for number, (raw, size) in enumerate(_raw_lines(handle, max_bytes), start=first):
        # Counted, not asked (`handle.tell()`): a tell per line doubled the cost of reading a file.
        end = begin + (len(raw) if size is None else size)
        at = begin
        begin = end
        if size is not None:
            yield Line(number, _ending(raw), _too_long(size, max_bytes), at, end)
            continue
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            yield Line(number, raw.decode("utf-8"), None, at, end)
        except UnicodeDecodeError as exc:
            text = fallback.decode(raw)
            if text is not None:
                yield Line(number, text, None, at, end)
            else:
                problem = f"not UTF-8 text (byte {exc.start + 1} of the line is 0x{raw[exc.start]:02x})"
                yield Line(number, raw.decode("utf-8", "replace"), problem, at, end)


def _raw_lines(handle: BinaryIO, max_bytes: int | None) -> Iterator[tuple[bytes, int | None]]:
    """Each line's bytes and None; for a line over `max_bytes` (its ending included), its ending (b"" at the end
    of the file) and its size, read through a chunk at a time: a bounded readline, so that one 50 MB line does
    not cost gigabytes."""
    while True:
        raw = handle.readline() if max_bytes is None else handle.readline(max_bytes + 1)
        if not raw:
            return
        if max_bytes is None or len(raw) <= max_bytes:
            yield raw, None
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):
            raw = handle.readline(_CHUNK)
            if not raw:
                break
            size += len(raw)
        yield (b"\n" if raw.endswith(b"\n") else b""), size


def _wide_text_lines(text: io.TextIOWrapper, max_chars: int | None) -> Iterator[str | tuple[str, int]]:
    """`_raw_lines` for a decoded wide-encoding file: each line, or (its ending, its size) past `max_chars`."""
    while True:
        line = text.readline() if max_chars is None else text.readline(max_chars + 1)
        if not line:
            return
        if max_chars is None or len(line) <= max_chars:
            yield line
            continue
        size = len(line)
        while not line.endswith(("\n", "\r")):
            line = text.readline(_CHUNK)
            if not line:
                break
            size += len(line)
        yield ("\n" if line.endswith(("\n", "\r")) else ""), size


def _ending(raw: bytes) -> str:
    return raw.decode("ascii")


def _too_long(size: int, limit: int | None, unit: str = "bytes") -> str:
    return f"a line of {size} {unit} is longer than the limit of one row ({limit} {unit}); skipped unread"


def _wide_lines(handle: BinaryIO, encoding: str, max_bytes: int | None = None) -> Iterator[Line]:
    # A wide encoding cannot be split on b"\n"; undecodable units become U+FFFD and are reported.
    text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
    try:
        for number, line in enumerate(_wide_text_lines(text, max_bytes), start=1):
            if isinstance(line, tuple):
                yield Line(number, line[0], _too_long(line[1], max_bytes, "characters"))
                continue
            problem = f"not valid {encoding.upper()} text" if "\ufffd" in line else None
            yield Line(number, line.lstrip("\ufeff") if number == 1 else line, problem)
    finally:
        text.detach()  # the wrapper would close the handle when collected: it is the caller's to close


class _Fallback:
    """The encoding of a file's non-UTF-8 lines, guessed once (lazily) by chardet from the open `handle` (never
    by opening the file again: it may have been moved or replaced since), which it leaves where it found it."""

    def __init__(self, handle: BinaryIO, name: str, max_bytes: int | None = None):
        self.handle, self.name = handle, name
        self.max_bytes = max_bytes  # longer lines are skipped by the reader: never sampled whole either
        self._encoding: str | None = None
        self._guessed = False

    def decode(self, raw: bytes) -> str | None:
        encoding = self.encoding()
        if encoding is None:
            return None
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            return None

    def encoding(self) -> str | None:
        if not self._guessed:
            self._guessed = True
            self._encoding = self._guess()
        return self._encoding

    def _guess(self) -> str | None:
        import chardet

        sample = bytearray()
        handle = self.handle
        resume = handle.tell()  # the reader is paused here, between two lines
        try:
            handle.seek(0)
            for raw, size in _raw_lines(handle, self.max_bytes):
                if size is not None:
                    continue
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    if not _CONTROL.search(raw):  # binary junk would drown the text's signal
                        sample += raw
                    if len(sample) >= SAMPLE_BYTES:
                        break
        finally:
            handle.seek(resume)
        encoding = _choose(chardet.detect_all(bytes(sample)))
        if encoding is None:
            log.warning("%s: some lines are not UTF-8 and their encoding is unclear; skipping them", self.name)
        else:
            log.warning("%s: some lines are not UTF-8; reading them as %s (chardet)", self.name, encoding)
        return encoding


def _choose(candidates: list[dict]) -> str | None:
    """chardet's best byte-oriented guess, preferring Windows-1252 when it is about as likely.

    chardet's confidences on short samples are low and close together (French Latin-1 text comes
    out as ISO-8859-8 and Windows-1252 at the same score); spreadsheets on Windows write 1252.
    UTF-16/32 cannot be decoded line by line, and UTF-8/ASCII already failed.
    """
    usable = [
        c for c in candidates
        if c.get("encoding") and not c["encoding"].lower().startswith(("utf-16", "utf-32", "utf-8", "ascii"))
    ]
    if not usable:
        return None
    best = usable[0]["confidence"] or 0.0
    for candidate in usable:
        if candidate["encoding"].lower() in _WESTERN and (candidate["confidence"] or 0.0) >= PREFER_WESTERN * best:
            return "windows-1252"
    return usable[0]["encoding"]
