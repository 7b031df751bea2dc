"""The files a config writes that may quote a subject, found and redacted for `groundswell subject`.

The places: the JSONL alert channels (`channels[].type: jsonl`), the HTML report (`report.path`), the digests and
the weekly / monthly reports beside it (`digests/`, `reports/`: Markdown, JSON, HTML) and the dead-letter file
(`deadletter.jsonl`, parked mentions). Files anywhere else (an export someone saved, a copy of the report) are out
of reach and docs/security.md says so.

Only Groundswell's own names are read in `digests/` and `reports/` (`groundswell.period_files.written_here`).
Each kind is redacted in its own shape (`alerts.redact`: their rows, their quotes in Groundswell's quoting formats,
their URLs and ids written whole, `@them` only beside a quote of theirs; never a bare word): a JSON file loses their
rows and has its strings redacted (`redact_json`); a JSONL alert line is redacted as an alert (`redact_alert`);
Markdown and HTML lines have each quote replaced by "“[removed]”" and the quoted author's `@handle`, URL and id by
"[removed]"; the dead-letter file loses their parked mentions. Every rewrite goes through `core.file_rewrite`
(atomic, permissions and symlinks kept, lines appended meanwhile carried over). A file that cannot be read (not
UTF-8, no permission) raises; `groundswell.subject_forget` skips it and names it (`unreadable`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alerts.config import JsonlChannel
from alerts.redact import Redaction, redact_alert, redact_json
from core.alert import Alert
from core.file_rewrite import rewrite
from core.file_write import write_file
from core.mention import Mention, load_mention
from groundswell.config import Config
from groundswell.period_files import digest_folder, report_folder, written_here
from groundswell.subject import Subject


@dataclass(frozen=True)
class Places:
    """The files of one config that `groundswell subject` reads and rewrites."""

    jsonl_channels: tuple[Path, ...]
    report_files: tuple[Path, ...]  # the HTML report, digests and period reports
    deadletter: Path


def places_of(config: Config) -> Places:
    """The files this config writes (module docstring): in `digests/` and `reports/` only the names Groundswell
    gives them (`groundswell.period_files.written_here`); anything else a team keeps there is not ours to edit.
    Folders that do not exist give none."""
    report = Path(config.report.path)
    files = [report] if report.is_file() else []
    for folder, kind in ((digest_folder(config), "digests"), (report_folder(config), "reports")):
        if folder.is_dir():
            files += sorted(p for p in folder.iterdir() if p.is_file() and written_here(p, kind))
    channels = tuple(dict.fromkeys(Path(c.path) for c in config.channels if isinstance(c, JsonlChannel)))
    # `groundswell.pipeline.dead_letter` keeps it beside the report.
    return Places(channels, tuple(files), report.parent / "deadletter.jsonl")


def unreadable(path: Path, exc: Exception) -> str:
    """The one line naming a file `groundswell subject` could not read or rewrite, and why (it is skipped)."""
    if isinstance(exc, UnicodeDecodeError):
        reason = f"not UTF-8 text (byte {exc.start})"
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
    else:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{path}: {reason}; skipped"


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def lines_naming(path: Path, redaction: Redaction) -> list[int]:
    """The numbers (from 1) of the lines of `path` that quote or name the subject; [] for a file not there.
    Raises OSError / UnicodeDecodeError for a file that cannot be read (the caller skips and names it)."""
    if not path.is_file():
        return []
    old = path.read_text(encoding="utf-8")
    new = redacted_text(path, old, redaction)
    if new == old:
        return []
    if path.suffix == ".json":  # re-indented as a whole: the lines holding their words, as written
        return [n for n, line in enumerate(_lines(old), start=1) if _json_line_names(line, redaction)]
    before, after = _lines(old), _lines(new)
    return [n for n, (a, b) in enumerate(zip(before, after, strict=False), start=1) if a != b]


def _json_line_names(line: str, redaction: Redaction) -> bool:
    return redaction.names(line) or any(u in line for u in redaction.urls) or any(i in line for i in redaction.ids)


def _text_line(line: str, redaction: Redaction) -> str:
    """One Markdown or HTML line: quotes of their posts, their URLs and ids replaced; `@them` where the line
    quotes their post (a digest's "“…” — @ann" row, an alert's "Top post (@ann): “…”")."""
    return redaction.text(line)


def _alert_line(line: str, redaction: Redaction) -> str:
    """One line of a JSONL alert channel: an alert, or a `{"report": …}` line, redacted in its shape."""
    body = line.rstrip("\n")
    try:
        data = json.loads(body)
    except ValueError:
        return redaction.text(line)
    if isinstance(data, dict) and "report" not in data:
        try:
            alert = Alert.model_validate(data)
        except ValueError:
            pass
        else:
            redacted = redact_alert(alert, redaction)
            return line if redacted is None else redacted.model_dump_json() + "\n"
    new = redact_json(data, redaction)
    return line if new == data else json.dumps(new, ensure_ascii=False) + "\n"


def redacted_text(path: Path, text: str, redaction: Redaction) -> str:
    """The file's new content (module docstring), from its `text`."""
    if path.suffix == ".json":
        data = json.loads(text)
        new = redact_json(data, redaction)
        return text if new == data else json.dumps(new, ensure_ascii=False, indent=1)
    if path.suffix == ".jsonl":
        return "".join(_alert_line(line, redaction) for line in _lines(text))
    return "".join(_text_line(line, redaction) for line in _lines(text))


def replace_atomically(path: Path, text: str) -> None:
    """Write `text` as the whole of `path`, a file made from scratch (`subject export --out`), with
    `core.file_write`: atomic, an old file's mode kept, a symlink at the name replaced rather than written through
    (followed, a link `export.json -> ~/.bashrc` had the export overwrite its target, or create it when dangling)."""
    write_file(path, text)


def redact_file(path: Path, redaction: Redaction) -> int:
    """Redact one file in place; return how many of its lines named the subject (0: left as it was). Lines a
    writer appends meanwhile are kept (`core.file_rewrite`). Raises OSError / UnicodeDecodeError / ValueError for
    a file that cannot be read or rewritten, left as it was."""
    named = lines_naming(path, redaction)
    if named:
        rewrite(path, lambda old: redacted_text(path, old.decode("utf-8"), redaction).encode("utf-8"))
    return len(named)


def _parked(line: str | bytes, subject: Subject) -> Mention | None:
    """The subject's mention a dead-letter line holds, or None (another's, or unreadable)."""
    try:
        data = json.loads(line)
        if isinstance(data, dict) and set(data) == {"error", "mention"}:
            data = data["mention"]  # the dead-letter file's earlier format (groundswell/deadletter.py)
        mention = load_mention(data)
    except ValueError:
        return None
    return mention if subject.matches(mention) else None


def parked_lines(path: Path, subject: Subject) -> Iterator[tuple[int, Mention]]:
    """(line number, mention) of the subject's mentions parked in the dead-letter file (unreadable lines skipped)."""
    if not path.is_file():
        return
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if (mention := _parked(line, subject)) is not None:
            yield number, mention


def drop_parked(path: Path, subject: Subject) -> int:
    """Remove the subject's mentions from the dead-letter file (other lines kept byte for byte); return how many."""
    if not path.is_file():
        return 0
    dropped = 0

    def kept(old: bytes) -> bytes:
        nonlocal dropped
        lines = old.splitlines(keepends=True)
        out = [line for line in lines if _parked(line, subject) is None]
        dropped = len(lines) - len(out)
        return b"".join(out)

    rewrite(path, kept)
    if dropped and path.is_file() and path.stat().st_size == 0:
        path.unlink()
    return dropped
