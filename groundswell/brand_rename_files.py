"""The `jsonl` alert channels' files of a renamed brand: their alert lines rewritten under the new name and ids.

The dashboard and `alerts list` show a jsonl channel's alerts beside the alert log's (`alerts.history.AlertLog.load`,
the log's entry winning by id). Left under the old ids, every alert the rename moved would be listed twice, once
per name. So each line that is an alert of the old brand is written as that alert renamed
(`brand_rename_state.renamed_alert`); every other line (another brand's alert, a report, an unreadable line) is
kept byte for byte. The file is replaced atomically with lines appended meanwhile carried over
(`core.file_rewrite.rewrite`), as retention rewrites it. Running it again finds no old line: nothing changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from core.alert import Alert
from core.file_rewrite import rewrite
from core.mention import Mention, dump_mention, load_mention
from groundswell.brand_rename_state import renamed_alert
from indexing.base import renamed_brand


def file_alerts(path: str | Path, old: str) -> list[Alert]:
    """The alerts of brand `old` in a jsonl channel file (none when it does not exist). OSError when it cannot be
    read."""
    path = Path(path)
    if not path.exists():
        return []
    return [a for line in path.read_bytes().splitlines() if (a := _alert(line)) is not None and a.brand == old]


def rename_file(path: str | Path, old: str, new: str, ids: dict[str, str]) -> int:
    """Rewrite the file's alert lines of brand `old` under `new`; return how many. OSError when it cannot be read
    or replaced (the file is then left as it was)."""

    def renamed(line: bytes) -> bytes | None:
        alert = _alert(line)
        if alert is None or alert.brand != old:
            return None
        ending = line[len(line.rstrip(b"\r\n")):] or b"\n"
        return renamed_alert(alert, new, ids).model_dump_json().encode("utf-8") + ending

    return _rewrite_lines(path, renamed)


def _rewrite_lines(path: str | Path, renamed: Callable[[bytes], bytes | None]) -> int:
    """Rewrite the lines of `path` that `renamed` gives a new form (None: kept byte for byte), atomically
    (`core.file_rewrite.rewrite`); return how many. Nothing when the file does not exist."""
    path = Path(path)
    if not path.exists():
        return 0
    changed = 0

    def rewritten(data: bytes) -> bytes | None:
        nonlocal changed
        changed = 0
        out: list[bytes] = []
        for line in data.splitlines(keepends=True):
            after = renamed(line)
            changed += after is not None
            out.append(line if after is None else after)
        return b"".join(out) if changed else None

    rewrite(path, rewritten)
    return changed


def _alert(line: bytes) -> Alert | None:
    """The alert a channel line holds; None for anything else (a report, a line that is no JSON)."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or "report" in record and "id" not in record:
        return None
    try:
        return Alert.model_validate(record)
    except ValidationError:
        return None


def rename_parked(path: str | Path, old: str, new: str) -> int:
    """Rewrite the dead-letter file's mentions naming `old` (`indexing.base.renamed_brand`), so that the next run's
    replay stores them under `new`; return how many. Lines that are no mention are kept byte for byte."""

    def renamed(line: bytes) -> bytes | None:
        mention = _mention(line)
        if mention is None:
            return None
        after = renamed_brand(mention, old, new)
        return None if after is mention else dump_mention(after).encode("utf-8") + b"\n"

    return _rewrite_lines(path, renamed)


def parked_naming(path: str | Path, old: str) -> int:
    """How many of the dead-letter file's mentions name `old` (0 when there is no file)."""
    path = Path(path)
    if not path.exists():
        return 0
    found = (_mention(line) for line in path.read_bytes().splitlines())
    return sum(1 for m in found if m is not None and (old in m.brands or old in m.matches or old in m.brand_themes))


def _mention(line: bytes) -> Mention | None:
    try:
        return load_mention(line)
    except ValueError:
        return None
